"""notices and reminders go through the outbox: the notification table is folded into outbox_message

Every notification row becomes an outbox row on the identity its person last wrote from (a
reachable one when there is any; a pending row whose person has none becomes `unreachable`), with
its kind, message key, parameters, status, attempts and times. Reminders that pointed at a
notification (`reminder.notification_id`) point at its outbox row instead. Rows of people with no
identity at all (never created by the bot) cannot be addressed and are dropped.

The copy is done in SQL on the server, the same on SQLite and PostgreSQL; each new row carries its
old id in `claim_token` ("notification:<id>") just long enough to relink the reminders.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-02 11:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None

NOTICE_CHANNELS = "('telegram', 'whatsapp', 'console')"
TAG = "'notification:'"

UPGRADE = [
    f"""
    INSERT INTO outbox_message (kind, person_id, channel, address, message_key, params, status,
                                attempts, not_before, claim_token, sent_at, last_error, created_at)
    SELECT n.kind, n.person_id, ci.channel, ci.address, n.message_key, n.params,
           CASE WHEN n.status = 'pending'
                     AND (ci.unreachable_at IS NOT NULL OR ci.channel NOT IN {NOTICE_CHANNELS})
                THEN 'unreachable' ELSE n.status END,
           n.attempts, n.created_at, {TAG} || CAST(n.id AS VARCHAR(20)), n.sent_at,
           CASE WHEN n.status = 'pending'
                     AND (ci.unreachable_at IS NOT NULL OR ci.channel NOT IN {NOTICE_CHANNELS})
                THEN 'no reachable identity' ELSE n.last_error END,
           n.created_at
    FROM notification n
    JOIN channel_identity ci ON ci.id = (
        SELECT c.id FROM channel_identity c
        WHERE c.person_id = n.person_id
        ORDER BY CASE WHEN c.unreachable_at IS NULL AND c.channel IN {NOTICE_CHANNELS} THEN 0 ELSE 1 END,
                 CASE WHEN c.last_inbound_at IS NULL THEN 1 ELSE 0 END,
                 c.last_inbound_at DESC,
                 c.id
        LIMIT 1
    )
    ORDER BY n.id
    """,
    f"""
    UPDATE reminder SET notification_id = (
        SELECT o.id FROM outbox_message o
        WHERE o.claim_token = {TAG} || CAST(reminder.notification_id AS VARCHAR(20))
    )
    WHERE notification_id IS NOT NULL
    """,
    f"UPDATE outbox_message SET claim_token = NULL WHERE claim_token LIKE {TAG} || '%'",
]

# Back: person-addressed catalogue rows become notifications again under the same ids, so the
# reminders' links stay right; broadcast copies stay in the outbox.
DOWNGRADE = [
    """
    INSERT INTO notification (id, person_id, kind, message_key, params, status, attempts, last_error,
                              created_at, sent_at)
    SELECT o.id, o.person_id, o.kind, o.message_key, o.params,
           CASE WHEN o.status IN ('pending', 'sending') THEN 'pending'
                WHEN o.status = 'sent' THEN 'sent' ELSE 'failed' END,
           o.attempts, o.last_error, o.created_at, o.sent_at
    FROM outbox_message o
    WHERE o.broadcast_id IS NULL AND o.person_id IS NOT NULL AND o.message_key IS NOT NULL
          AND o.params IS NOT NULL
    """,
    "DELETE FROM outbox_message WHERE id IN (SELECT id FROM notification)",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(sa.text(statement))
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_status"))
        batch_op.drop_index(batch_op.f("ix_notification_person_id"))
    op.drop_table("notification")


def downgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("message_key", sa.String(length=80), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=240), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_notification_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_status"), ["status"], unique=False)
    for statement in DOWNGRADE:
        op.execute(sa.text(statement))
    if op.get_bind().dialect.name == "postgresql":  # ids were given explicitly: move the sequence on
        op.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('notification', 'id'), "
                "COALESCE((SELECT MAX(id) FROM notification), 0) + 1, false)"
            )
        )
