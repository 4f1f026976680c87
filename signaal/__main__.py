"""``python -m signaal`` runs the command line (used when a stage runs another as a subprocess)."""

from signaal.cli import main

main()
