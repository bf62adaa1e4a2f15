"""``python -m bizcal_desktop`` starts the desktop app (the CLI is ``bizcal``)."""

import sys

from bizcal_desktop.app import main

sys.exit(main())
