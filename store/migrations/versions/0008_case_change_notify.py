"""Issue 16: on PostgreSQL every new case change is announced with NOTIFY, so the live feeds need not poll.

The trigger sends the change's id on channel `case_changes` when its transaction commits, in commit order:
a feed fetches exactly the announced rows, so a change whose id was taken before another's but committed
after it is still sent (polling `id > cursor` would step over it). SQLite (one writer at a time) keeps polling.
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE OR REPLACE FUNCTION case_change_notify() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('case_changes', NEW.id::text);
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        "CREATE TRIGGER case_change_notify AFTER INSERT ON case_changes "
        "FOR EACH ROW EXECUTE FUNCTION case_change_notify()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS case_change_notify ON case_changes")
    op.execute("DROP FUNCTION IF EXISTS case_change_notify()")
