"""A connection can be paused, remembers being the default when switched off, and URLs lose their login

Pause per connection (issue 15 item 6): ``paused`` holds the connection's writes and busy reads
until the user resumes it; existing connections are not paused. ``default_when_off``: the token
guardian's switch-off hands the default to another connection; a reconnect gives it back.

Data: connections saved before the URL-login fix (presets.login_from_url) may hold a
``user:password@`` in their server URL, calendar URL and event URLs, and a failed request may
have copied such a URL into an error text. The login is taken out of every stored URL here, with
plain SQL and ``urllib.parse`` (a migration must not depend on application code that changes
later); the password itself is in the keychain already.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""
import re
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: (table, column) holding one URL each.
URL_COLUMNS = (
    ("calendar_connection", "server_url"),
    ("calendar_connection", "calendar_href"),
    ("calendar_connection", "calendar_id"),
    ("calendar_event_mapping", "href"),
    ("busy_block", "source_key"),
)
#: (table, column) holding free text that may quote a URL.
TEXT_COLUMNS = (
    ("calendar_connection", "last_error"),
    ("calendar_event_mapping", "last_error"),
    ("outbox_job", "last_error"),
    ("calendar_sync_log", "message"),
)
#: A URL's ``scheme://userinfo@`` in running text; the host starts after the last ``@`` before a /.
_LOGIN_IN_TEXT = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*://)[^\s/?#]*@")


def without_login(url: str) -> str:
    """``url`` without ``user[:password]@``; anything that is not such a URL is returned as it is."""
    if "://" not in url or "@" not in url:
        return url
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def without_logins_in_text(text: str) -> str:
    return _LOGIN_IN_TEXT.sub(r"\1", text)


def _clean(table: str, column: str, clean) -> None:  # type: ignore[no-untyped-def]
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT id, {column} FROM {table} WHERE {column} LIKE '%@%'")).all()
    for row_id, value in rows:
        cleaned = clean(value)
        if cleaned != value:
            bind.execute(sa.text(f"UPDATE {table} SET {column} = :value WHERE id = :id"),
                         {"value": cleaned, "id": row_id})


def upgrade() -> None:
    with op.batch_alter_table("calendar_connection") as batch:
        batch.add_column(sa.Column("paused", sa.Boolean(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("default_when_off", sa.Boolean(), nullable=False, server_default="0"))
    for table, column in URL_COLUMNS:
        _clean(table, column, without_login)
    for table, column in TEXT_COLUMNS:
        _clean(table, column, without_logins_in_text)


def downgrade() -> None:
    # The logins taken out of the URLs are not put back: the keychain holds the password.
    with op.batch_alter_table("calendar_connection") as batch:
        batch.drop_column("default_when_off")
        batch.drop_column("paused")
