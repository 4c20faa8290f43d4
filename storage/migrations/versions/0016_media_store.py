"""Media store: every photo and document received, and the documents a Posyandu keeps

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_object",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=64), nullable=True),
        sa.Column("storage_key", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("personal", sa.Boolean(), nullable=False),
        sa.Column("owner_person_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("channel_file_id", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=12), server_default="stored", nullable=False),
        sa.Column("error", sa.String(length=32), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_person_id"],
            ["person.id"],
            name=op.f("fk_media_object_owner_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_object")),
    )
    with op.batch_alter_table("media_object", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_object_sha256"), ["sha256"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_media_object_owner_person_id"), ["owner_person_id"], unique=False
        )
    op.create_table(
        "posyandu_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("posyandu_id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("doc_type", sa.String(length=16), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["media_id"],
            ["media_object.id"],
            name=op.f("fk_posyandu_document_media_id_media_object"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["posyandu_id"],
            ["posyandu.id"],
            name=op.f("fk_posyandu_document_posyandu_id_posyandu"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["person.id"],
            name=op.f("fk_posyandu_document_uploaded_by_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posyandu_document")),
    )
    with op.batch_alter_table("posyandu_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_posyandu_document_posyandu_id"), ["posyandu_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("posyandu_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_posyandu_document_posyandu_id"))
    op.drop_table("posyandu_document")
    with op.batch_alter_table("media_object", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_object_owner_person_id"))
        batch_op.drop_index(batch_op.f("ix_media_object_sha256"))
    op.drop_table("media_object")
