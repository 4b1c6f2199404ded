"""`python -m bot` is the `dudao` command."""
from bot.cli import main

main()
