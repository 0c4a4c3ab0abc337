"""``python -m kb`` runs the srkb command line."""

from kb.cli import main

main()
