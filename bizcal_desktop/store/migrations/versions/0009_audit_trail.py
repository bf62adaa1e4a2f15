"""The audit trail of people: audit_event (append-only), and the change each job and log row follows

``audit_event`` holds who (OS user, device; a staff member in a later team mode), what (before and
after as JSON), when and through which door. ``outbox_job.audit_event_id`` and
``calendar_sync_log.audit_event_id`` link the engine's work to the change that caused it.

Append-only, kept by the database itself: a trigger refuses every UPDATE of an audit event, and one
refuses a DELETE unless the row is older than the retention setting (the ``business`` setting's
``audit_retention_days``; absent or null keeps everything). SQLite's triggers are plain SQL; on a
team's PostgreSQL one PL/pgSQL function says the same. A later migration that rebuilds this table
(batch mode on SQLite) must create the triggers again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

from bizcal_desktop.store.types import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_RETENTION = "(SELECT json_extract(value_json, '$.audit_retention_days') FROM setting WHERE key = 'business')"

_NO_UPDATE = "audit events are append-only: they cannot be changed"
_NO_DELETE = "audit events are append-only: only the retention setting removes old ones"

SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, '{_NO_UPDATE}'); END""",
    f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    WHEN {_RETENTION} IS NULL OR OLD.at >= datetime('now', '-' || {_RETENTION} || ' days')
    BEGIN SELECT RAISE(ABORT, '{_NO_DELETE}'); END""",
)

POSTGRES_TRIGGERS = (
    f"""CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE days integer;
    BEGIN
      IF TG_OP = 'UPDATE' THEN RAISE EXCEPTION '{_NO_UPDATE}'; END IF;
      SELECT (value_json::json ->> 'audit_retention_days')::integer INTO days FROM setting WHERE key = 'business';
      IF days IS NULL OR OLD.at >= (now() AT TIME ZONE 'UTC') - make_interval(days => days) THEN
        RAISE EXCEPTION '{_NO_DELETE}';
      END IF;
      RETURN OLD;
    END $$""",
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
)


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("os_user", sa.String(length=128), nullable=False),
        sa.Column("device", sa.String(length=255), nullable=False),
        sa.Column("staff_member_id", sa.Integer(), nullable=True),
        sa.Column("door", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("before_json", sa.Text(), nullable=True),
        sa.Column("after_json", sa.Text(), nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("connection_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["staff_member_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["booking_id"], ["booking.id"]),
        sa.ForeignKeyConstraint(["connection_id"], ["calendar_connection.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_event_at", "audit_event", ["at"])
    for statement in POSTGRES_TRIGGERS if _postgres() else SQLITE_TRIGGERS:
        op.execute(statement)
    with op.batch_alter_table("outbox_job") as batch:
        batch.add_column(sa.Column("audit_event_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_outbox_job_audit_event", "audit_event", ["audit_event_id"], ["id"])
    with op.batch_alter_table("calendar_sync_log") as batch:
        batch.add_column(sa.Column("audit_event_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_sync_log_audit_event", "audit_event", ["audit_event_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("calendar_sync_log") as batch:
        batch.drop_constraint("fk_sync_log_audit_event", type_="foreignkey")
        batch.drop_column("audit_event_id")
    with op.batch_alter_table("outbox_job") as batch:
        batch.drop_constraint("fk_outbox_job_audit_event", type_="foreignkey")
        batch.drop_column("audit_event_id")
    on_table = " ON audit_event" if _postgres() else ""
    op.execute(f"DROP TRIGGER IF EXISTS audit_event_no_delete{on_table}")
    op.execute(f"DROP TRIGGER IF EXISTS audit_event_no_update{on_table}")
    if _postgres():
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    op.drop_index("ix_audit_event_at", table_name="audit_event")
    op.drop_table("audit_event")
