"""Issue 12: browsers that signed in as a staff member (device cookies of the login throttle)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add staff_login_devices (store.login_throttle.LoginDevice)."""
    op.create_table(
        "staff_login_devices",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index(op.f("ix_staff_login_devices_username"), "staff_login_devices", ["username"], unique=False)


def downgrade() -> None:
    """Remove what upgrade added."""
    op.drop_index(op.f("ix_staff_login_devices_username"), table_name="staff_login_devices")
    op.drop_table("staff_login_devices")
