"""The ``xl-collections`` command line: ``dispatch`` parses and runs a subcommand; each
subcommand is a module here (``cli.<name>.run(args) -> int``)."""
from .dispatch import main

__all__ = ["main"]
