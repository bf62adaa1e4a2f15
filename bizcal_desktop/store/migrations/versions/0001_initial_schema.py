"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

import bizcal_desktop.store.types

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('service',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('buffer_before_minutes', sa.Integer(), nullable=False),
    sa.Column('buffer_after_minutes', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('setting',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value_json', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('created_at', bizcal_desktop.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('customer_name', sa.String(length=200), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('start_utc', bizcal_desktop.store.types.UTCDateTime(), nullable=False),
    sa.Column('end_utc', bizcal_desktop.store.types.UTCDateTime(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', bizcal_desktop.store.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', bizcal_desktop.store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('public_id')
    )
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.create_index('ix_booking_staff_start', ['staff_id', 'start_utc'], unique=False)

    op.create_table('calendar_connection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('provider_type', sa.String(length=32), nullable=True),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('server_url', sa.Text(), nullable=True),
    sa.Column('username', sa.String(length=320), nullable=True),
    sa.Column('calendar_id', sa.Text(), nullable=True),
    sa.Column('calendar_href', sa.Text(), nullable=True),
    sa.Column('calendar_name', sa.String(length=200), nullable=True),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('import_busy', sa.Boolean(), nullable=False),
    sa.Column('secret_key', sa.String(length=64), nullable=False),
    sa.Column('sync_cursor', sa.Text(), nullable=True),
    sa.Column('created_at', bizcal_desktop.store.types.UTCDateTime(), nullable=False),
    sa.Column('last_success_at', bizcal_desktop.store.types.UTCDateTime(), nullable=True),
    sa.Column('last_import_at', bizcal_desktop.store.types.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('busy_block',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('source_key', sa.Text(), nullable=False),
    sa.Column('start_utc', bizcal_desktop.store.types.UTCDateTime(), nullable=False),
    sa.Column('end_utc', bizcal_desktop.store.types.UTCDateTime(), nullable=False),
    sa.Column('all_day', sa.Boolean(), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('imported_at', bizcal_desktop.store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['calendar_connection.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('busy_block', schema=None) as batch_op:
        batch_op.create_index('ix_busy_connection_source', ['connection_id', 'source_key'], unique=False)
        batch_op.create_index('ix_busy_start', ['start_utc'], unique=False)

    op.create_table('calendar_event_mapping',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.Text(), nullable=True),
    sa.Column('href', sa.Text(), nullable=True),
    sa.Column('etag', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('synced_start_utc', bizcal_desktop.store.types.UTCDateTime(), nullable=True),
    sa.Column('synced_end_utc', bizcal_desktop.store.types.UTCDateTime(), nullable=True),
    sa.Column('synced_version', sa.Integer(), nullable=True),
    sa.Column('updated_at', bizcal_desktop.store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], ),
    sa.ForeignKeyConstraint(['connection_id'], ['calendar_connection.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('booking_id', 'connection_id')
    )
    op.create_table('outbox_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', bizcal_desktop.store.types.UTCDateTime(), nullable=False),
    sa.Column('finished_at', bizcal_desktop.store.types.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outbox_job', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_status', ['status', 'id'], unique=False)

    op.create_table('calendar_sync_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', bizcal_desktop.store.types.UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('connection_id', sa.Integer(), nullable=True),
    sa.Column('mapping_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], ),
    sa.ForeignKeyConstraint(['connection_id'], ['calendar_connection.id'], ),
    sa.ForeignKeyConstraint(['mapping_id'], ['calendar_event_mapping.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('calendar_sync_log', schema=None) as batch_op:
        batch_op.create_index('ix_sync_log_at', ['at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('calendar_sync_log', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_log_at')

    op.drop_table('calendar_sync_log')
    with op.batch_alter_table('outbox_job', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status')

    op.drop_table('outbox_job')
    op.drop_table('calendar_event_mapping')
    with op.batch_alter_table('busy_block', schema=None) as batch_op:
        batch_op.drop_index('ix_busy_start')
        batch_op.drop_index('ix_busy_connection_source')

    op.drop_table('busy_block')
    op.drop_table('calendar_connection')
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index('ix_booking_staff_start')

    op.drop_table('booking')
    op.drop_table('staff')
    op.drop_table('setting')
    op.drop_table('service')
