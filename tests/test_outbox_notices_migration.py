"""Migration 0008 folds the old `notification` table into the outbox: a database at 0006 with
notifications in every state (and a reminder pointing at one) is upgraded, and each notification is
now an outbox row on its person's best identity, with its kind, key, parameters and state; the
reminder points at its new row. Downgrading brings the notifications back. Runs on whichever
backend the suite uses (SQLite, or PostgreSQL under `make test`)."""

from __future__ import annotations

import asyncio
import datetime as dt

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import open_database
from storage.migrate import upgrade
from storage.models_outbox import OutboxMessage
from storage.models_scheduling import Reminder
from tests.pg_query import table_names

T0 = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)

_meta = sa.MetaData()
PERSON = sa.Table(
    "person",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("full_name", sa.String),
    sa.Column("language", sa.String),
    sa.Column("role", sa.String),
    sa.Column("created_at", sa.DateTime(timezone=True)),
)
IDENTITY = sa.Table(
    "channel_identity",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("channel", sa.String),
    sa.Column("address", sa.String),
    sa.Column("person_id", sa.Integer),
    sa.Column("last_inbound_at", sa.DateTime(timezone=True)),
    sa.Column("unreachable_at", sa.DateTime(timezone=True)),
    sa.Column("created_at", sa.DateTime(timezone=True)),
)
NOTIFICATION = sa.Table(
    "notification",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("person_id", sa.Integer),
    sa.Column("kind", sa.String),
    sa.Column("message_key", sa.String),
    sa.Column("params", sa.JSON),
    sa.Column("status", sa.String),
    sa.Column("attempts", sa.Integer),
    sa.Column("last_error", sa.String),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
)
OUTBOX = sa.Table(
    "outbox_message",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String),
    sa.Column("channel", sa.String),
    sa.Column("address", sa.String),
    sa.Column("text", sa.Text),
    sa.Column("status", sa.String),
    sa.Column("attempts", sa.Integer),
    sa.Column("not_before", sa.DateTime(timezone=True)),
    sa.Column("created_at", sa.DateTime(timezone=True)),
)
REMINDER = sa.Table(
    "reminder",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String),
    sa.Column("person_id", sa.Integer),
    sa.Column("due_at", sa.DateTime(timezone=True)),
    sa.Column("status", sa.String),
    sa.Column("dedupe_key", sa.String),
    sa.Column("message_key", sa.String),
    sa.Column("params", sa.JSON),
    sa.Column("subject", sa.JSON),
    sa.Column("notification_id", sa.Integer),
    sa.Column("created_at", sa.DateTime(timezone=True)),
)


async def fill_at_0006(url: str) -> None:
    """Ana (Telegram last, a console handle too), Budi (WhatsApp, blocked), Citra (no identity).
    Every row of one insert names the same columns: an executemany takes them from the first."""
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(PERSON),
            [
                {"id": n, "full_name": name, "language": lang, "role": "cadre", "created_at": T0}
                for n, name, lang in ((501, "Ana", "en"), (502, "Budi", "id"), (503, "Citra", "id"))
            ],
        )
        day = dt.timedelta(days=1)
        await conn.execute(
            sa.insert(IDENTITY),
            [
                {"id": 601, "channel": "console", "address": "ana", "person_id": 501, "created_at": T0,
                 "last_inbound_at": None, "unreachable_at": None},
                {"id": 602, "channel": "telegram", "address": "8801", "person_id": 501, "created_at": T0,
                 "last_inbound_at": T0 + day, "unreachable_at": None},
                {"id": 603, "channel": "whatsapp", "address": "628802", "person_id": 502, "created_at": T0,
                 "last_inbound_at": T0, "unreachable_at": T0 + day},
            ],
        )  # fmt: skip
        # An older broadcast row, so the new rows' ids cannot coincide with the notifications' ids.
        await conn.execute(
            sa.insert(OUTBOX),
            [{"kind": "broadcast", "channel": "telegram", "address": "1", "text": "x",
              "status": "sent", "attempts": 1, "not_before": T0, "created_at": T0}],
        )  # fmt: skip
        status = {"number": "KB-2026-000001", "status": {"key": "resident.status.diproses"}, "note": "-"}
        await conn.execute(
            sa.insert(NOTIFICATION),
            [
                {"id": 11, "person_id": 501, "kind": "reminder", "message_key": "reminder.bpjs",
                 "params": {"month": "November 2026"}, "status": "pending", "attempts": 0,
                 "last_error": None, "created_at": T0, "sent_at": None},
                {"id": 12, "person_id": 501, "kind": "ticket_status",
                 "message_key": "resident.notify.ticket_status", "params": status, "status": "sent",
                 "attempts": 1, "last_error": None, "created_at": T0,
                 "sent_at": T0 + dt.timedelta(minutes=1)},
                {"id": 13, "person_id": 502, "kind": "ticket_new",
                 "message_key": "resident.notify.ticket_new",
                 "params": {"number": "KB-2026-000002"}, "status": "pending", "attempts": 2,
                 "last_error": "whatsapp: unreachable", "created_at": T0, "sent_at": None},
                {"id": 14, "person_id": 503, "kind": "notification",
                 "message_key": "training.notice.promoted",
                 "params": {}, "status": "pending", "attempts": 0, "last_error": None, "created_at": T0,
                 "sent_at": None},
            ],
        )  # fmt: skip
        await conn.execute(
            sa.insert(REMINDER),
            [{"id": 21, "kind": "bpjs", "person_id": 501, "due_at": T0, "status": "sent",
              "dedupe_key": "bpjs:501:2026-11", "message_key": "reminder.bpjs", "params": {},
              "subject": {}, "notification_id": 11, "created_at": T0}],
        )  # fmt: skip
    await engine.dispose()


async def test_notifications_become_outbox_rows_and_come_back_on_downgrade(empty_db_url: str) -> None:
    from alembic import command

    from storage.migrate import alembic_config

    # Alembic runs its own event loop: on a thread of its own, beside this test's loop.
    await asyncio.to_thread(upgrade, empty_db_url, "0006")
    await fill_at_0006(empty_db_url)
    await asyncio.to_thread(upgrade, empty_db_url, "0008")
    assert "notification" not in table_names(empty_db_url)

    db = open_database(empty_db_url)
    try:
        async with db.sessions() as session:
            rows = list(
                (
                    await session.execute(
                        select(OutboxMessage)
                        .where(OutboxMessage.kind != "broadcast")
                        .order_by(OutboxMessage.id)
                    )
                ).scalars()
            )
            reminder = await session.get(Reminder, 21)
    finally:
        await db.dispose()
    assert [(r.person_id, r.channel, r.address, r.kind, r.status) for r in rows] == [
        (501, "telegram", "8801", "reminder", "pending"),  # Ana last wrote on Telegram
        (501, "telegram", "8801", "ticket_status", "sent"),
        (502, "whatsapp", "628802", "ticket_new", "unreachable"),  # nowhere left to reach Budi
    ]  # Citra has no identity: her notification cannot be addressed
    pending, sent, blocked = rows
    assert pending.message_key == "reminder.bpjs" and pending.params == {"month": "November 2026"}
    assert pending.not_before == T0 and pending.claim_token is None and pending.attempts == 0
    assert sent.params == {
        "number": "KB-2026-000001",
        "status": {"key": "resident.status.diproses"},
        "note": "-",
    }
    assert sent.sent_at == T0 + dt.timedelta(minutes=1) and sent.attempts == 1
    assert blocked.last_error == "no reachable identity" and blocked.attempts == 2
    assert reminder is not None and reminder.notification_id == pending.id != 11

    await asyncio.to_thread(command.downgrade, alembic_config(empty_db_url), "0006")
    engine = create_async_engine(empty_db_url)
    try:
        async with engine.connect() as conn:
            back = (
                await conn.execute(
                    sa.select(NOTIFICATION.c.id, NOTIFICATION.c.kind, NOTIFICATION.c.status).order_by(
                        NOTIFICATION.c.id
                    )
                )
            ).all()
            link = (await conn.execute(sa.select(REMINDER.c.notification_id))).scalar_one()
            left = (await conn.execute(sa.select(sa.func.count()).select_from(OUTBOX))).scalar_one()
    finally:
        await engine.dispose()
    assert [(k, s) for _, k, s in back] == [
        ("reminder", "pending"),
        ("ticket_status", "sent"),
        ("ticket_new", "failed"),
    ]
    assert link == back[0][0] and left == 1  # the broadcast row stays in the outbox
