"""``python -m xl_collections.cli`` runs the command line as ``xl-collections`` does."""
import sys

from .dispatch import main

sys.exit(main())
