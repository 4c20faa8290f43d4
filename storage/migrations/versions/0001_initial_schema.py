"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 09:38:28.191165
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "inbound_message",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "message_id", name=op.f("pk_inbound_message")),
    )
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbound_message_received_at"), ["received_at"], unique=False)

    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_declined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_phone"), ["phone"], unique=False)

    op.create_table(
        "region",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("parent_code", sa.String(length=16), nullable=True),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["parent_code"], ["region.code"], name=op.f("fk_region_parent_code_region")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_region")),
    )
    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_region_parent_code"), ["parent_code"], unique=False)

    op.create_table(
        "channel_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unreachable_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_channel_identity_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_identity")),
        sa.UniqueConstraint("channel", "address", name="uq_channel_identity_address"),
    )
    with op.batch_alter_table("channel_identity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channel_identity_person_id"), ["person_id"], unique=False)

    op.create_table(
        "coordinator_scope",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_coordinator_scope_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_coordinator_scope_region_code_region")
        ),
        sa.PrimaryKeyConstraint("person_id", "region_code", name=op.f("pk_coordinator_scope")),
    )
    op.create_table(
        "posyandu",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=240), nullable=True),
        sa.Column("has_fixed_place", sa.Boolean(), nullable=False),
        sa.Column("usual_day", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_posyandu_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posyandu")),
        sa.UniqueConstraint("code", name=op.f("uq_posyandu_code")),
    )
    with op.batch_alter_table("posyandu", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_posyandu_region_code"), ["region_code"], unique=False)

    op.create_table(
        "cadre",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("posyandu_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.String(length=16), nullable=False),
        sa.Column("verification", sa.String(length=12), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by", sa.Integer(), nullable=True),
        sa.Column("rejection_reason", sa.String(length=240), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_cadre_person_id_person"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["posyandu_id"], ["posyandu.id"], name=op.f("fk_cadre_posyandu_id_posyandu")),
        sa.ForeignKeyConstraint(
            ["verified_by"], ["person.id"], name=op.f("fk_cadre_verified_by_person"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cadre")),
        sa.UniqueConstraint("person_id", name=op.f("uq_cadre_person_id")),
    )
    with op.batch_alter_table("cadre", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cadre_posyandu_id"), ["posyandu_id"], unique=False)

    op.create_table(
        "conversation",
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["identity_id"],
            ["channel_identity.id"],
            name=op.f("fk_conversation_identity_id_channel_identity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("identity_id", name=op.f("pk_conversation")),
    )
    op.create_table(
        "monthly_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("posyandu_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("held", sa.String(length=12), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("place_note", sa.String(length=240), nullable=True),
        sa.Column("not_held_reason", sa.String(length=240), nullable=True),
        sa.Column("s", sa.Integer(), nullable=True),
        sa.Column("k", sa.Integer(), nullable=True),
        sa.Column("d", sa.Integer(), nullable=True),
        sa.Column("n", sa.Integer(), nullable=True),
        sa.Column("visits", sa.JSON(), nullable=False),
        sa.Column("referrals_gizi", sa.Integer(), nullable=True),
        sa.Column("immunizations", sa.Integer(), nullable=True),
        sa.Column("vitamin_a", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["posyandu_id"], ["posyandu.id"], name=op.f("fk_monthly_report_posyandu_id_posyandu")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"],
            ["person.id"],
            name=op.f("fk_monthly_report_submitted_by_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_report")),
        sa.UniqueConstraint("posyandu_id", "month", name="uq_monthly_report_posyandu_month"),
    )
    with op.batch_alter_table("monthly_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_monthly_report_month"), ["month"], unique=False)

    op.create_table(
        "report_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["monthly_report.id"],
            name=op.f("fk_report_revision_report_id_monthly_report"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"],
            ["person.id"],
            name=op.f("fk_report_revision_submitted_by_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_revision")),
        sa.UniqueConstraint("report_id", "revision", name="uq_report_revision_number"),
    )


def downgrade() -> None:

    op.drop_table("report_revision")
    with op.batch_alter_table("monthly_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monthly_report_month"))

    op.drop_table("monthly_report")
    op.drop_table("conversation")
    with op.batch_alter_table("cadre", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cadre_posyandu_id"))

    op.drop_table("cadre")
    with op.batch_alter_table("posyandu", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_posyandu_region_code"))

    op.drop_table("posyandu")
    op.drop_table("coordinator_scope")
    with op.batch_alter_table("channel_identity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_identity_person_id"))

    op.drop_table("channel_identity")
    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_region_parent_code"))

    op.drop_table("region")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_phone"))

    op.drop_table("person")
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_message_received_at"))

    op.drop_table("inbound_message")
