"""Issue 15: the editors' catalogue changes (store.catalogue_changes) and the forms' PDFs (store.form_files)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalogue_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("editor", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("reverts", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["reverts"], ["catalogue_changes.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_catalogue_changes_entry", "catalogue_changes", ["kind", "key"], unique=False)
    op.create_index("ix_catalogue_changes_state", "catalogue_changes", ["state"], unique=False)
    op.create_index(op.f("ix_catalogue_changes_reverts"), "catalogue_changes", ["reverts"], unique=False)
    op.create_table(
        "form_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_code", sa.String(length=32), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_form_files_form", "form_files", ["form_code", "lang"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_form_files_form", table_name="form_files")
    op.drop_table("form_files")
    op.drop_index(op.f("ix_catalogue_changes_reverts"), table_name="catalogue_changes")
    op.drop_index("ix_catalogue_changes_state", table_name="catalogue_changes")
    op.drop_index("ix_catalogue_changes_entry", table_name="catalogue_changes")
    op.drop_table("catalogue_changes")
