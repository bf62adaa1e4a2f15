"""Alembic environment: runs migrations on the connection the application hands in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from bizcal_desktop.store.models import Base

target_metadata = Base.metadata
config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        # Command-line use (alembic revision --autogenerate): a scratch database URL.
        url = config.get_main_option("sqlalchemy.url") or "sqlite:///:memory:"
        with create_engine(url).begin() as conn:
            context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
