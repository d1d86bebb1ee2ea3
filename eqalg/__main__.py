"""``python -m eqalg`` runs the command-line interface."""

from .cli import run

run()
