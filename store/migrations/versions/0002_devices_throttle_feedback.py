"""Issue 12: registered kiosk devices, the login throttle, and the conversation a feedback is about."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add kiosk_devices, login_throttle and feedback.conversation_id (None in the rows already there)."""
    op.create_table(
        "kiosk_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
    )
    op.create_index(op.f("ix_kiosk_devices_point_id"), "kiosk_devices", ["point_id"], unique=False)
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=False),
        sa.Column("blocked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    # Batch mode: SQLite adds the column with ALTER TABLE ADD COLUMN (no copy of the table is needed).
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("conversation_id", sa.String(length=128), nullable=True))
        batch.create_index(batch.f("ix_feedback_conversation_id"), ["conversation_id"], unique=False)


def downgrade() -> None:
    """Remove what upgrade added."""
    with op.batch_alter_table("feedback") as batch:
        batch.drop_index(batch.f("ix_feedback_conversation_id"))
        batch.drop_column("conversation_id")
    op.drop_table("login_throttle")
    op.drop_index(op.f("ix_kiosk_devices_point_id"), table_name="kiosk_devices")
    op.drop_table("kiosk_devices")
