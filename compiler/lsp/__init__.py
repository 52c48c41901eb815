"""The Eligo language server (`eligo lsp`): the checker, docs prose, formatter and examples in the editor.

`workspace` holds the knowledge bases and analyses them incrementally (`incremental` re-parses only the
edited items); `names` finds and resolves every name; one module per kind of feature (`hover`, `completion`,
`navigation`, `actions`, `outline`, `lenses`); `convert` and `positions` translate to the protocol's values and
units; `server` wires them to pygls.
"""
