"""Issue 14: every service event says who did the work (`actor`: assistant, advisor or self_service).

Existing rows get their actor from their event type, because each type had one writer until now:
`form_handed_out` was only ever recorded by the assistant's form card (actions/topics.py, since commit
43b7aa0), so those rows become `form_shown` by the `assistant` (they were counted per card, not once per
form and conversation, and cannot be deduplicated afterwards: no conversation was stored); bookings and
feedback were made by the customer in the chat without staff (`self_service`); a resolved handoff, a received
document and an opened remote connection were the advisor's (`advisor`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SELF_SERVICE = ("booking_made", "booking_moved", "booking_cancelled", "feedback_recorded")


def upgrade() -> None:
    # The default only fills the rows that exist now; new rows always name their actor (store.events).
    with op.batch_alter_table("service_events") as batch:
        batch.add_column(sa.Column("actor", sa.String(16), nullable=False, server_default="advisor"))
    events = sa.table("service_events", sa.column("event_type", sa.String), sa.column("actor", sa.String))
    op.execute(
        events.update()
        .where(events.c.event_type == "form_handed_out")
        .values(event_type="form_shown", actor="assistant")
    )
    op.execute(events.update().where(events.c.event_type.in_(SELF_SERVICE)).values(actor="self_service"))
    with op.batch_alter_table("service_events") as batch:
        batch.alter_column("actor", server_default=None, existing_type=sa.String(16), existing_nullable=False)


def downgrade() -> None:
    events = sa.table("service_events", sa.column("event_type", sa.String))
    op.execute(events.update().where(events.c.event_type == "form_shown").values(event_type="form_handed_out"))
    with op.batch_alter_table("service_events") as batch:
        batch.drop_column("actor")
