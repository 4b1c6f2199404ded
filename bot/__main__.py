"""`python -m bot` is the `dudao` command."""
from bot.cli.main import main

main()
