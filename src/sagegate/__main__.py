"""`python -m sagegate`: the same as the `sagegate` command."""

from sagegate.cli import main

main()
