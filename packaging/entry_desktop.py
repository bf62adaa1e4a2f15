"""The bundled ``bizcal-desktop`` executable: the tray app (PyInstaller's entry script)."""

import sys

from bizcal_desktop.app import main

sys.exit(main())
