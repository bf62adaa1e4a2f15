"""What an import leaves in the sync log: one row per calendar read, in words a person reads.

Why apart from the importer: the row says more than counts - why the read ran ("checked before
booking"), which events could not be read, bookings that followed a move - and those sentences grow
on their own, while the importer keeps to reading and storing busy times.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bizcal_desktop.sync.importer import ConnectionImport

#: Skipped events named one by one in an import's log row (the rest are counted).
SKIPPED_SHOWN = 5


def import_message(result: ConnectionImport) -> str:
    """The log row of one calendar's read, success or failure."""
    if not result.ok:
        because = f" ({result.reason})" if result.reason else ""
        return f"Could not import busy times from {result.connection_name}{because}: {result.message}"
    kind = "full" if result.full else "incremental"
    if result.reason:
        kind += f", {result.reason}"
    message = (
        f"Imported busy times from {result.connection_name} ({kind}): {result.added} added, "
        f"{result.changed} changed, {result.removed} removed; {result.requests} request(s) "
        f"in {result.seconds:.2f}s"
    )
    if result.moved_bookings:
        message += f"; {result.moved_bookings} booking(s) moved in the calendar followed"
    if result.skipped:
        shown = "; ".join(result.skipped[:SKIPPED_SHOWN])
        more = len(result.skipped) - SKIPPED_SHOWN
        message += f"; {len(result.skipped)} skipped: {shown}"
        message += f"; and {more} more" if more > 0 else ""
    return message


def not_reached_message(result: ConnectionImport) -> str:
    """The log row of a calendar a bounded read never got to (another import held it too long)."""
    return f"Did not check busy times in {result.connection_name} ({result.reason}): {result.message}"
