"""The documentation site generator: a MkDocs plugin that turns the knowledge base into pages."""
