"""`python -m eligo`: the command line."""

from eligo.cli.main import main

main()
