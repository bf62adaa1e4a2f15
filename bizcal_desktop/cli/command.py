"""What every noun module agrees on: the handler's shape, the sub-parser it adds to, who is acting.

Why a module of its own: each noun module (``staff``, ``booking``, ``connect`` …) adds its sub-parser
and handles its arguments, and all of them must fit :mod:`.parser` and :mod:`.entry` the same way.
Keeping the shared shapes here lets a noun module import no other noun module.
"""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Callable
from typing import TypeAlias

from bizcal_desktop.cli.output import Output
from bizcal_desktop.wiring import Services

#: A noun's handler: the parsed arguments, every service, where to print; returns the exit code.
Handler: TypeAlias = Callable[[argparse.Namespace, Services, Output], int]

#: What ``add_subparsers`` returns; each noun module's ``add_parser`` adds its noun(s) to it.
Nouns: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def actor() -> str:
    """Who the sync log and the audit trail name for a change made from this shell."""
    try:
        return f"user:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "user"
