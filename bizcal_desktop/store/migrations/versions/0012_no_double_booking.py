"""No double booking: the database refuses two confirmed bookings of one staff member at overlapping times

Why in the database: two devices on a team's shared database can each see 10:00 free and book it in
the same second; only the database sees both (issue 19 item 4). ``store/booking_slots.py`` turns the
refusal into one sentence. Times are half-open, ``[start, end)``: 10:00–11:00 and 11:00–12:00 touch,
they do not overlap.

* PostgreSQL: the exclusion constraint ``booking_no_overlap`` — ``EXCLUDE USING gist (staff_id WITH =,
  tsrange(start_utc, end_utc, '[)') WITH &&) WHERE (status = 'confirmed' AND NOT
  overlap_grandfathered)``. Timestamps are stored as naive UTC (``store/types.UTCDateTime``), hence
  ``tsrange``; ``btree_gist`` lets a gist index compare the integer ``staff_id`` with ``=`` (a trusted
  extension since PostgreSQL 13: the database's owner may create it, no superuser needed). The second of
  two concurrent inserts waits for the first and is refused when it commits.
* SQLite: triggers ``BEFORE INSERT`` / ``BEFORE UPDATE OF`` the booking's time, staff or status that
  ``RAISE(ABORT, 'booking_slot_taken')``. SQLite has one writer at a time and the change is made inside
  a write transaction begun ``IMMEDIATE`` (``booking_slots.guarded``), so the second device's trigger
  runs after the first device's booking is committed and sees it. The comparisons are on the stored
  text, fixed-width ``YYYY-MM-DD HH:MM:SS.ffffff`` as SQLAlchemy writes every value. A later migration
  that rebuilds the booking table (batch mode on SQLite) must create the triggers again.

Bookings that overlap already are never cancelled or changed: nothing refused them before this
revision, and cancelling a customer's booking takes a human. Each confirmed booking that overlaps
another confirmed booking of its staff member is marked ``overlap_grandfathered`` (the only column this
migration writes on existing rows) and stays outside the rule until it is moved. A new or moved booking
may not overlap a grandfathered one either: on SQLite the triggers compare with every confirmed
booking; on PostgreSQL an exclusion constraint compares only rows inside its WHERE, so a trigger checks
the grandfathered ones and refuses with the same SQLSTATE (23P01). That check needs no lock: nothing
ever marks a booking grandfathered after this migration, so their set only shrinks.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

#: The word both engines' refusals carry (``booking_slots.SLOT_TAKEN``).
_SLOT_TAKEN = "booking_slot_taken"

_OVERLAPS = """b.staff_id = {new}.staff_id AND b.status = 'confirmed'
        AND b.start_utc < {new}.end_utc AND b.end_utc > {new}.start_utc"""

_GRANDFATHER = f"""UPDATE booking SET overlap_grandfathered = true
    WHERE status = 'confirmed' AND (end_utc < start_utc OR EXISTS (
        SELECT 1 FROM booking b WHERE b.id <> booking.id AND {_OVERLAPS.format(new='booking')}))"""

_CHECKED = "NEW.status = 'confirmed' AND NOT NEW.overlap_grandfathered"

SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER booking_no_overlap_insert BEFORE INSERT ON booking
    WHEN {_CHECKED} AND EXISTS (SELECT 1 FROM booking b WHERE {_OVERLAPS.format(new='NEW')})
    BEGIN SELECT RAISE(ABORT, '{_SLOT_TAKEN}'); END""",
    f"""CREATE TRIGGER booking_no_overlap_update
    BEFORE UPDATE OF start_utc, end_utc, staff_id, status, overlap_grandfathered ON booking
    WHEN {_CHECKED} AND EXISTS (SELECT 1 FROM booking b WHERE b.id <> NEW.id AND {_OVERLAPS.format(new='NEW')})
    BEGIN SELECT RAISE(ABORT, '{_SLOT_TAKEN}'); END""",
)

POSTGRES_STATEMENTS = (
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist
    (staff_id WITH =, tsrange(start_utc, end_utc, '[)') WITH &&)
    WHERE (status = 'confirmed' AND NOT overlap_grandfathered)""",
    f"""CREATE FUNCTION booking_not_over_grandfathered() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF {_CHECKED} AND EXISTS (SELECT 1 FROM booking b WHERE b.overlap_grandfathered AND b.id <> NEW.id
          AND {_OVERLAPS.format(new='NEW')}) THEN
        RAISE EXCEPTION '{_SLOT_TAKEN}' USING ERRCODE = 'exclusion_violation';
      END IF;
      RETURN NEW;
    END $$""",
    """CREATE TRIGGER booking_not_over_grandfathered
    BEFORE INSERT OR UPDATE OF start_utc, end_utc, staff_id, status, overlap_grandfathered ON booking
    FOR EACH ROW EXECUTE FUNCTION booking_not_over_grandfathered()""",
)


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    with op.batch_alter_table("booking") as batch:
        batch.add_column(sa.Column("overlap_grandfathered", sa.Boolean(), nullable=False, server_default="0"))
    op.execute(_GRANDFATHER)
    for statement in POSTGRES_STATEMENTS if _postgres() else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if _postgres():
        op.execute("DROP TRIGGER IF EXISTS booking_not_over_grandfathered ON booking")
        op.execute("DROP FUNCTION IF EXISTS booking_not_over_grandfathered()")
        op.execute("ALTER TABLE booking DROP CONSTRAINT IF EXISTS booking_no_overlap")
    else:
        op.execute("DROP TRIGGER IF EXISTS booking_no_overlap_update")
        op.execute("DROP TRIGGER IF EXISTS booking_no_overlap_insert")
    with op.batch_alter_table("booking") as batch:
        batch.drop_column("overlap_grandfathered")
