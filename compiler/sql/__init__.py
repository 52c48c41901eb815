"""The SQL back end: IR to one sqlglot query per guideline (expr, query), and whole cohorts through DuckDB (cohort)."""
