"""``python -m registry`` runs the ``policy-registry`` command line."""

from registry.cli import main

main()
