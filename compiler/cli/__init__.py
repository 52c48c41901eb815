"""The `eligo` command line: `eligo.cli.main` assembles the commands; `eligo.cli.app` is what they share."""
