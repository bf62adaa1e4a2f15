"""What every screenshot script here shares: where pictures go, waiting for a window, saving one,
and running a scenario on a Qt loop with a throw-away data folder and keychain.

Why a kit: the four scripts (every window, the set-up wizard, reconnect, privacy) each set up Qt,
qasync, an in-memory keychain and a temporary folder the same way, and waited for windows the same
way; copied four times, a fix to one (quit on last window closed, the wait's tail) missed the others.
Run a script under Xvfb so fonts and styles are a real desktop's, e.g.
    xvfb-run -a -s "-screen 0 1400x900x24" python docs/screenshots/take_screenshots.py [NAME ...]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import keyring

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.memory_keyring import MemoryKeyring  # noqa: E402 - needs ROOT on the path

OUT = Path(__file__).resolve().parent
#: The pictures to write (all when empty): the NAMEs given on the command line.
ONLY: set[str] = set()


async def settle(window, tail: float = 0.2) -> None:  # type: ignore[no-untyped-def]
    """Wait until ``window``'s last refresh has finished (at most 4 s), then ``tail`` seconds more."""
    for _ in range(200):
        await asyncio.sleep(0.02)
        task = getattr(window, "last_refresh", None)
        if task is None or task.done():
            break
    await asyncio.sleep(tail)


async def until(predicate: Callable[[], bool], seconds: float = 20.0) -> None:
    """Wait (polling every 50 ms) until ``predicate()`` holds or ``seconds`` have passed."""
    for _ in range(int(seconds / 0.05)):
        if predicate():
            break
        await asyncio.sleep(0.05)


def wanted(name: str) -> bool:
    return not ONLY or name in ONLY


def save(widget, name: str) -> None:  # type: ignore[no-untyped-def]
    """Write ``widget``'s picture as ``NAME.png`` here, unless only other pictures were asked for."""
    if not wanted(name):
        return
    path = OUT / f"{name}.png"
    widget.grab().save(str(path))
    print("wrote", path.relative_to(ROOT))


def run(scenario: Callable[[Path], Awaitable[None]], prefix: str = "bizcal-shots-") -> int:
    """Run ``scenario(folder)`` on a qasync loop with an in-memory keychain and a temporary folder."""
    import qasync
    from PySide6.QtWidgets import QApplication

    ONLY.update(sys.argv[1:])
    keyring.set_keyring(MemoryKeyring())
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp, loop:
        loop.run_until_complete(scenario(Path(tmp)))
    return 0
