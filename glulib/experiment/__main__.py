"""``python -m glulib.experiment``: the command line (``glulib.experiment.cli``)."""

from .cli import main

main()
