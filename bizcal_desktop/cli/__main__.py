"""``python -m bizcal_desktop.cli`` is ``bizcal``: the end-to-end tests run a checkout this way, without
the installed script. (``python -m bizcal_desktop`` starts the tray app instead.)"""

import sys

from bizcal_desktop.cli import main

sys.exit(main())
