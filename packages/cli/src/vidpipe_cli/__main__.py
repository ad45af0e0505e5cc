"""`python -m vidpipe_cli` is the `vidpipe` command."""

from vidpipe_cli.main import main

main()
