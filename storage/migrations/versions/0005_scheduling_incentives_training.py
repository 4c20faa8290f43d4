"""reminders, scheduler lock, incentives, trainings, BPJS Ketenagakerjaan

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-25 12:00:00.000000
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None

# Kutai Kartanegara's cadre incentive: Rp250.000 a month; the report for a month is due on the 5th
# of the next month, 23:59 local time. Other regions get their rule from `kaderbot admin incentive-rule`.
KUKAR_RULE = {"region_code": "64.02", "monthly_amount": 250_000, "deadline_day": 5}


def upgrade() -> None:
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("dedupe_key", sa.String(length=160), nullable=False),
        sa.Column("message_key", sa.String(length=80), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("subject", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_reminder_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_reminder_dedupe_key")),
    )
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_reminder_status_due_at", ["status", "due_at"], unique=False)

    op.create_table(
        "reminder_mute",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("muted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_reminder_mute_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", "kind", name=op.f("pk_reminder_mute")),
    )

    op.create_table(
        "scheduler_lock",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=120), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_lock")),
    )

    rule = op.create_table(
        "incentive_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=16), nullable=False),
        sa.Column("monthly_amount", sa.Integer(), nullable=False),
        sa.Column("deadline_day", sa.Integer(), nullable=False),
        sa.Column("deadline_hour", sa.Integer(), nullable=False),
        sa.Column("deadline_minute", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incentive_rule")),
        sa.UniqueConstraint("region_code", name=op.f("uq_incentive_rule_region_code")),
    )

    op.create_table(
        "incentive_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cadre_id"], ["cadre.id"], name=op.f("fk_incentive_status_cadre_id_cadre"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["person.id"],
            name=op.f("fk_incentive_status_updated_by_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incentive_status")),
        sa.UniqueConstraint("cadre_id", "month", name="uq_incentive_status_cadre_month"),
    )
    with op.batch_alter_table("incentive_status", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incentive_status_cadre_id"), ["cadre_id"], unique=False)

    op.create_table(
        "training",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("certified", sa.Boolean(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=240), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["person.id"], name=op.f("fk_training_created_by_person"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_training_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training")),
    )
    with op.batch_alter_table("training", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_training_starts_at"), ["starts_at"], unique=False)

    op.create_table(
        "training_seat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("training_id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cadre_id"], ["cadre.id"], name=op.f("fk_training_seat_cadre_id_cadre"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["training_id"],
            ["training.id"],
            name=op.f("fk_training_seat_training_id_training"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_seat")),
        sa.UniqueConstraint("training_id", "cadre_id", name="uq_training_seat_cadre"),
    )
    with op.batch_alter_table("training_seat", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_seat_cadre_id"), ["cadre_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_training_seat_training_id"), ["training_id"], unique=False)

    op.create_table(
        "cadre_bpjs",
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("card_last4", sa.String(length=4), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cadre_id"], ["cadre.id"], name=op.f("fk_cadre_bpjs_cadre_id_cadre"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["person.id"], name=op.f("fk_cadre_bpjs_updated_by_person"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("cadre_id", name=op.f("pk_cadre_bpjs")),
    )

    op.bulk_insert(
        rule,
        [
            {
                **KUKAR_RULE,
                "deadline_hour": 23,
                "deadline_minute": 59,
                "updated_at": dt.datetime(2026, 11, 25, tzinfo=dt.UTC),
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("cadre_bpjs")
    with op.batch_alter_table("training_seat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_seat_training_id"))
        batch_op.drop_index(batch_op.f("ix_training_seat_cadre_id"))
    op.drop_table("training_seat")
    with op.batch_alter_table("training", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_starts_at"))
        batch_op.drop_index(batch_op.f("ix_training_region_code"))
    op.drop_table("training")
    with op.batch_alter_table("incentive_status", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incentive_status_cadre_id"))
    op.drop_table("incentive_status")
    op.drop_table("incentive_rule")
    op.drop_table("scheduler_lock")
    op.drop_table("reminder_mute")
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.drop_index("ix_reminder_status_due_at")
        batch_op.drop_index(batch_op.f("ix_reminder_person_id"))
    op.drop_table("reminder")
