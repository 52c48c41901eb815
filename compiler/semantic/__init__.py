"""AST to IR: name resolution, types and units (lower, module, tables), then checks over whole modules (passes)."""
