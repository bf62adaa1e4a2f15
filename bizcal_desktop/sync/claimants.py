"""Who holds an outbox claim: a name per engine, and telling whether a local holder has died.

Why apart from the engine: a claim's holder is written into the shared outbox, so its name must say
which machine and which process it is (another engine of this machine can then see that the process
is gone and take its bookings over at once, instead of waiting for the lease to run out). That is
about processes, not about syncing; the engine only asks.
"""

from __future__ import annotations

import os
import socket
import uuid


def engine_owner() -> str:
    """A claim holder's name: this machine, this process, and a nonce for engines in one process."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def is_dead_local_owner(owner: str) -> bool:
    """True when ``owner`` names a process on this machine that has ended (a crash, a kill -9).

    Its lease would run out by itself; a restart on the same laptop need not wait for that.
    """
    host, pid, _nonce = (owner.rsplit(":", 2) + ["", ""])[:3]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists but is not ours to signal: alive
        return False
    return False
