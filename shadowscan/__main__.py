"""``python -m shadowscan`` runs the command line."""

from shadowscan.cli import main

main()
