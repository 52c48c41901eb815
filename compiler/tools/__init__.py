"""Tools over compiled guidelines: the dependency graph, the semantic diff between versions, the pytest plugin."""
