"""``python -m xlmodel …`` runs the command line (same as the ``xlmodel`` script)."""

import sys

from xlmodel.cli import main

# The guard matters on Windows and macOS: the process pool of ``validera`` starts its
# workers by re-importing the main module (spawn), which must not run the CLI again.
if __name__ == "__main__":
    sys.exit(main())
