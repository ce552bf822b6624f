"""Issue 12: text stored before today's redaction rules is rewritten by them (formats the old rules missed).

Feedback text, customers' takeover lines, case summaries and the inbox's decided messages. Rows are read
and written in batches by id, so a large database does not sit in memory. The evaluation set is left as it
is: its texts are keys of a unique index (and shown redacted, training.evalset).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from privacy.redact import redact

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BATCH = 500
# (table, column, an extra condition): the columns that may hold what a customer typed.
TEXTS = (
    ("feedback", "text", None),
    ("case_changes", "text", ("actor", "customer")),
    ("handoff_cases", "summary", None),
    ("inbox_decisions", "text", None),
)


def _redact_column(connection, name: str, column: str, where: tuple[str, str] | None) -> None:
    table = sa.table(name, sa.column("id", sa.Integer), sa.column(column, sa.Text), sa.column("actor", sa.String))
    after = 0
    while True:
        query = sa.select(table.c.id, table.c[column]).where(table.c.id > after, table.c[column].is_not(None))
        if where:
            query = query.where(table.c[where[0]] == where[1])
        rows = connection.execute(query.order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return
        for row_id, text in rows:
            clean = redact(text).text
            if clean != text:
                connection.execute(sa.update(table).where(table.c.id == row_id).values({column: clean}))
        after = rows[-1][0]


def upgrade() -> None:
    """Rewrite every stored customer text through privacy.redact."""
    if context.is_offline_mode():
        # A SQL script for a DBA cannot run Python's redaction; the text stays shown redacted (on read).
        op.execute("-- 0004: stored text is redacted by `python -m store.migrate` only, not by this script")
        return
    connection = op.get_bind()
    for name, column, where in TEXTS:
        _redact_column(connection, name, column, where)


def downgrade() -> None:
    """Nothing to undo: what was removed is not kept anywhere, on purpose."""
