"""The bundled ``bizcal`` executable: the command line, on the same services (PyInstaller's entry script)."""

import sys

from bizcal_desktop.cli import main

sys.exit(main())
