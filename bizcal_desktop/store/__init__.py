"""Persistence: SQLAlchemy models, the database/unit of work, and alembic migrations."""
