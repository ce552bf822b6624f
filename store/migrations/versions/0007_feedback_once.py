"""Issue 16: one feedback per conversation is kept by a unique index, not by one web process's lock.

Several web workers may store two posts of one conversation at once; the index lets one in. A database
that somehow holds two feedbacks of a conversation keeps both rows: the later ones lose the link to the
conversation (their rating still counts), so the index can be made.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    feedback = sa.table("feedback", sa.column("id", sa.Integer), sa.column("conversation_id", sa.String))
    first = (
        sa.select(sa.func.min(feedback.c.id))
        .where(feedback.c.conversation_id.is_not(None))
        .group_by(feedback.c.conversation_id)
    )
    op.execute(
        feedback.update()
        .where(feedback.c.conversation_id.is_not(None), feedback.c.id.not_in(first))
        .values(conversation_id=None)
    )
    with op.batch_alter_table("feedback") as batch:
        batch.drop_index(batch.f("ix_feedback_conversation_id"))
        batch.create_index(batch.f("ix_feedback_conversation_id"), ["conversation_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.drop_index(batch.f("ix_feedback_conversation_id"))
        batch.create_index(batch.f("ix_feedback_conversation_id"), ["conversation_id"], unique=False)
