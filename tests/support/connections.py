"""Save a calendar connection without logging in to a server: for tests, benchmarks and screenshots.

Why a helper rather than the public flow: ``ConnectionService`` saves a connection only at the end
of begin/finish, after a passing test of the chosen calendar. Tests of the engine, the importer, the
token guardian and the windows need connections whose secret the test chooses (a token that expires
in five minutes, a server nothing listens on), so they step past that test on purpose — here, in one
place, rather than through a public way round it.
"""

from __future__ import annotations

from typing import Any

from bizcal_desktop.services.connections import ConnectionView


def seed_connection(services: Any, *, staff: str | int, provider: str, display_name: str, secret: str,
                    **fields: Any) -> ConnectionView:
    """Save a connection row and its secret as a finished connect flow would (no test, no server)."""
    return services.connections._save_connection(  # private on purpose: the one deliberate way round the test
        staff=staff, provider=provider, display_name=display_name, secret=secret, **fields
    )
