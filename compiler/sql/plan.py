"""A cohort's queries for any engine: the guideline (with `--criteria`, or against an earlier version for
`--compare`) over a source of typed columns, its validation aggregate and its bad-row listing, as sqlglot trees.

DuckDB and Spark run the same trees, each in its dialect. Names are compared as the engines compare them,
without regard to letter case: a source column that an output column would hide, or that the generated SQL
uses for itself (`_eligo_…`), is refused before anything runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from eligo import ir
from eligo.sql import criteria as criteria_columns
from eligo.sql.columns import message, read_input, sql_type
from eligo.sql.expr import and_, col, negate, or_
from eligo.sql.query import PREFIX, compile_query, output_names
from eligo.sql.summary import CHANGED, WAS, Summary, summarise

if TYPE_CHECKING:
    from eligo.compiled.guideline import Guideline

SHOWN = 20  # bad rows listed in a refusal
COUNT, BAD, ROW = f"{PREFIX}n", f"{PREFIX}bad", f"{PREFIX}row"


class CohortError(Exception):
    """The cohort cannot be evaluated: an unreadable file, a name clash, or bad values (listed in `rows`)."""

    def __init__(self, message: str, rows: tuple[BadValue, ...] = (), total: int = 0) -> None:
        self.rows = rows
        self.total = total
        listed = "".join(f"\n  - {row}" for row in rows)
        more = f"\n  … and {total - len(rows)} more" if total > len(rows) else ""
        super().__init__(message + listed + more)


@dataclass(frozen=True)
class BadValue:
    row: int  # 1-based, in file order (a CSV's header line not counted)
    input: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.input}: {self.message}"


class Plan:
    """One guideline (and perhaps the version it replaces) over `source`, whose columns have these kinds."""

    def __init__(self, guideline: Guideline, columns: Mapping[str, str], source: exp.Expr, *, name: str = "data",
                 criteria: bool = False, against: Guideline | None = None, changed_only: bool = True,
                 dialect: str = "duckdb", exact: Sequence[Mapping[str, str]] | None = None) -> None:
        self.guideline, self.against, self.columns, self.source = guideline, against, dict(columns), source
        self.criteria, self.changed_only, self.dialect, self.name = criteria, changed_only, dialect, name
        self.versions = [g for g in (against, guideline) if g is not None]
        self.exact = list(exact) if exact is not None else [{} for _ in self.versions]  # per version (sql.exact)
        self._refuse_clashes()
        self.absent = tuple(dict.fromkeys(n for g in self.versions for n in g.inputs if n not in self.columns))
        self.readers: list[dict[str, exp.Expr]] = []
        self.problems: dict[str, tuple[ir.InputInfo, exp.Expr]] = {}
        for version in self.versions:
            read: dict[str, exp.Expr] = {}
            for input_name, info in version.inputs.items():
                if info.type.kind == "list" and self.columns.get(input_name, "list") != "list":
                    raise CohortError(_not_a_list(name, input_name, info, self.columns[input_name]))
                if input_name in self.columns:
                    read[input_name], problem = read_input(info, input_name, self.columns[input_name])
                    if input_name in self.problems:
                        first, earlier = self.problems[input_name]
                        self.problems[input_name] = (first, or_(earlier, problem))
                    else:
                        self.problems[input_name] = (info, problem)
                else:
                    read[input_name] = exp.cast(exp.null(), sql_type(info))
            self.readers.append(read)

    # ------------------------------------------------------------ names
    def decision_outputs(self) -> list[str]:
        names = output_names(self.guideline)
        if self.against is not None:
            names += [f"{n}{WAS}" for n in output_names(self.against)]
            names += [f"{d}{CHANGED}" for d in self.compared]
        return names

    def outputs(self) -> list[str]:
        """The columns the query adds to the source's, in order: the earlier version's (comparing), the decisions',
        the criteria, then whether each compared decision changed."""
        was = [f"{n}{WAS}" for n in output_names(self.against)] if self.against is not None else []
        extra = criteria_columns.criteria_names(self.guideline) if self.criteria else []
        return [*was, *output_names(self.guideline), *extra, *(f"{d}{CHANGED}" for d in self.compared)]

    @property
    def compared(self) -> list[str]:
        """The decisions both versions make, by name."""
        if self.against is None:
            return []
        earlier = set(self.against.decision_names)
        return [d for d in self.guideline.decision_names if d in earlier]

    def _refuse_clashes(self) -> None:
        lowered: dict[str, str] = {}
        for column in self.columns:
            if column.lower() in lowered:
                raise CohortError(f"{self.name}: the columns {lowered[column.lower()]} and {column} differ only by "
                                  "letter case, which SQL engines do not tell apart; rename one")
            lowered[column.lower()] = column
        internal = sorted(c for c in self.columns if c.lower().startswith(PREFIX))
        if internal:
            raise CohortError(f"{self.name}: the columns {', '.join(internal)} use the prefix {PREFIX}, which the "
                              "generated SQL keeps for itself; rename them")
        seen: dict[str, str] = {}
        for output in self.outputs():  # a decision `d_status` beside a decision `d`, a definition named `d__r1`
            if output.lower() in seen:
                raise CohortError(f"{self.guideline.id} {self.guideline.version}: the output columns "
                                  f"{seen[output.lower()]} and {output} would have the same name (letter case "
                                  "aside); rename a decision, rule or definition")
            seen[output.lower()] = output
        outputs = set(seen)
        clash = sorted(c for c in self.columns if c.lower() in outputs)
        if clash:
            raise CohortError(f"{self.name}: the columns {', '.join(clash)} would clash with the output columns "
                              "(letter case aside); rename them")
        inputs = {n.lower(): n for g in self.versions for n in g.inputs}
        cased = sorted(f"{c} (input {inputs[c.lower()]})" for c in self.columns
                       if c.lower() in inputs and c not in inputs)
        if cased:
            raise CohortError(f"{self.name}: the columns {', '.join(cased)} differ from an input's name only by "
                              "letter case; rename them to the input's name")

    # ------------------------------------------------------------ queries
    def query(self, every_row: bool = False, criteria: bool | None = None) -> exp.Select:
        """Every column of the source, then the decisions' columns (and the criteria, or the comparison: only the
        patients whose decision changes, unless `every_row` or `changed_only` is False)."""
        wanted = self.criteria if criteria is None else criteria
        extra = criteria_columns.columns if wanted else None
        program = criteria_columns.criteria_program(self.guideline.program) if wanted else self.guideline.program
        kept = list(self.columns)
        if self.against is None:
            return compile_query(program, self.source, inputs=self.readers[0], keep=kept, dialect=self.dialect,
                                 extra=extra, exact=self.exact[0] or None)
        earlier = _renamed(compile_query(self.against, self.source, inputs=self.readers[0], keep=kept,
                                         dialect=self.dialect, exact=self.exact[0] or None),
                           set(output_names(self.against)))
        was = [f"{n}{WAS}" for n in output_names(self.against)]
        later = compile_query(program, earlier, inputs=self.readers[1], keep=[*kept, *was], dialect=self.dialect,
                              extra=extra, exact=self.exact[1] or None)
        changed = {d: negate(and_(exp.NullSafeEQ(this=col(d), expression=col(f"{d}{WAS}")),
                                  exp.NullSafeEQ(this=col(f"{d}_status"), expression=col(f"{d}_status{WAS}"))))
                   for d in self.compared}
        final = exp.select(exp.Star(), *(exp.alias_(e, f"{d}{CHANGED}", quoted=True) for d, e in changed.items())
                           ).from_(later.subquery(f"{PREFIX}compared"))
        if self.changed_only and changed and not every_row:
            final = exp.select(exp.Star()).from_(final.subquery(f"{PREFIX}changes")).where(
                or_(*(col(f"{d}{CHANGED}") for d in changed)))
        return final

    def bad(self) -> exp.Expr:
        return or_(*(p for _, p in self.problems.values()))

    def check_query(self) -> exp.Select:
        """The validation aggregate: rows counted by whether a value is bad and by every decision column."""
        names = self.decision_outputs()
        query = self.query(every_row=True, criteria=False)
        inner = exp.select(*(col(n) for n in names), exp.alias_(self.bad(), BAD, quoted=True)).from_(
            query.subquery(f"{PREFIX}q"))
        return exp.select(*(col(n) for n in [*names, BAD]), exp.alias_(exp.func("count", exp.Star()), COUNT, quoted=True)
                          ).from_(inner.subquery(f"{PREFIX}r")).group_by(*(col(n) for n in [*names, BAD]))

    def bad_query(self, numbered: exp.Expr) -> exp.Select:
        """The first bad rows of `numbered` (the source with a 1-based `_eligo_row` column, in file order)."""
        flags = [exp.alias_(p, f"{PREFIX}bad_{n}", quoted=True) for n, (_, p) in self.problems.items()]
        raws = [exp.alias_(exp.cast(col(n), exp.DataType.Type.VARCHAR) if self.columns[n] == "text" else col(n),
                           f"{PREFIX}raw_{n}", quoted=True) for n in self.problems]
        return exp.select(col(ROW), *flags, *raws).from_(numbered).where(self.bad()).order_by(col(ROW)).limit(SHOWN)

    # ------------------------------------------------------------ results
    def summary(self, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> tuple[Summary, int, int]:
        """The summary of the aggregate's rows, the number of rows and the number of bad rows."""
        total = sum(int(r[-1]) for r in rows)
        invalid = sum(int(r[-1]) for r in rows if r[-2])
        summary = summarise(self.guideline.id, self.guideline.version, self.guideline.program.own, names,
                            [r for r in rows if not r[-2]], self.absent,
                            self.against.program.own if self.against is not None else (),
                            self.against.version if self.against is not None else None)
        return summary, total, invalid

    def bad_values(self, names: Sequence[str], records: Sequence[Sequence[Any]]) -> tuple[BadValue, ...]:
        out: list[BadValue] = []
        for record in records:
            values = dict(zip(names, record, strict=True))
            for input_name, (info, _) in self.problems.items():
                if values.get(f"{PREFIX}bad_{input_name}"):
                    out.append(BadValue(int(values[ROW]), input_name, message(info, values[f"{PREFIX}raw_{input_name}"])))
        return tuple(out[:SHOWN])

    def refusal(self, total: int, invalid: int, rows: tuple[BadValue, ...]) -> CohortError:
        return CohortError(f"{self.name}: {invalid} of {total} rows have bad values; nothing was written "
                           "(fix them, or remove those rows)", rows, invalid)


def _renamed(query: exp.Select, outputs: set[str]) -> exp.Select:
    """The earlier version's query with its outputs renamed D…_was and its CTEs renamed apart from the later's."""
    for alias in query.expressions:
        if isinstance(alias, exp.Alias) and alias.alias in outputs:
            alias.set("alias", exp.to_identifier(f"{alias.alias}{WAS}", quoted=True))
    ctes = {cte.alias for cte in query.find_all(exp.CTE)}
    for node in list(query.walk()):
        if isinstance(node, exp.CTE) and node.alias in ctes:
            node.set("alias", exp.TableAlias(this=exp.to_identifier(f"{PREFIX}was{node.alias[len(PREFIX):]}")))
        elif isinstance(node, exp.Table) and node.name in ctes and not node.args.get("db"):
            node.set("this", exp.to_identifier(f"{PREFIX}was{node.name[len(PREFIX):]}"))
    return query


def _not_a_list(name: str, column: str, info: ir.InputInfo, kind: str) -> str:
    """Why a column cannot be read as a list of records (CSV holds no lists)."""
    record = info.spec.removeprefix("list of ")
    how = (f"give the cohort as Parquet or JSON lines with `{column}` an array of {record} objects, one field each "
           f"({', '.join(f.name for f in info.fields)}), a null element marking a list known to be incomplete")
    if kind == "text":
        return f"{name}: `{column}` is a list of {record} records, which CSV cannot hold; {how}"
    return f"{name}: column `{column}` is not a list of {record} records; {how}"
