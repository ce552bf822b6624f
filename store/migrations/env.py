"""Alembic's environment for the app database: store.models.Base with every feature's tables.

store.migrate is the way in: it hands over a connection that already holds the migration lock
(config.attributes["connection"]); offline mode (`python -m store.migrate sql`) writes the SQL instead.
"""

from __future__ import annotations

from alembic import context

import store.db  # noqa: F401 (imports every feature's module, so every table is on Base.metadata)
from store.models import Base

config = context.config
target_metadata = Base.metadata


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Only the app's own tables: a PostgreSQL database shared with Rasa also holds the tracker's `events`."""
    if type_ == "table":
        return name in target_metadata.tables
    return True


def run_offline() -> None:
    """Write the SQL of the migrations for the configured URL's dialect."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Migrate over the connection store.migrate opened and locked."""
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with `python -m store.migrate` (it takes the lock), not the alembic command")
    # Batch mode: SQLite cannot ALTER most things, so Alembic copies the table where it must.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
