"""The retention job purges the dashboard's sign-ins (issue #18): login links that were used or
have expired, and sessions that were ended, went idle or outlived their day, are deleted by the
scheduler's daily job; a link still usable and a session still live are left alone and keep working.
Driven through the job the scheduler runs (as tests/test_retention.py), with the clock injected."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.app import KaderBot
from bot.scheduler import SchedulerHandle
from storage.models_dashboard import DashboardLoginLink, DashboardSession
from tests.chat import Clock
from tests.dashboard_support import KUKAR, login_link
from tests.test_dashboard import CSRF, client, sign_in
from tests.test_retention import count, scheduler, short_retention

__all__ = ["scheduler", "short_retention"]  # the fixtures this module borrows

OVERVIEW = f"/dasbor/wilayah/{KUKAR}"


async def open_links(kaderbot: KaderBot) -> list[dt.datetime]:
    async with kaderbot.db.sessions() as session:
        return list((await session.execute(select(DashboardLoginLink.expires_at))).scalars())


async def test_used_and_expired_links_and_ended_or_idle_sessions_are_purged(
    short_retention: KaderBot, scheduler: SchedulerHandle, clock: Clock
) -> None:
    kaderbot = short_retention
    async with client(kaderbot) as working, client(kaderbot) as leaving:
        await sign_in(kaderbot, working)  # a used link and a live session …
        await sign_in(kaderbot, leaving)  # … another used link, and a session that signs out
        page = await leaving.get(OVERVIEW)
        assert page.status_code == 200
        token = CSRF.search(page.text)
        assert token is not None
        assert (await leaving.post("/dasbor/keluar", data={"csrf_token": token[1]})).status_code == 200
        await login_link(kaderbot, "siti")  # a link never opened: it expires
        assert (await count(kaderbot, DashboardLoginLink), await count(kaderbot, DashboardSession)) == (3, 2)

        clock.advance(minutes=11)
        _, fresh = await login_link(kaderbot, "siti")  # still usable after the purge
        assert (await working.get(OVERVIEW)).status_code == 200  # a click: not idle
        purged = await scheduler.purge()
        assert (purged.dashboard_links, purged.dashboard_sessions) == (3, 1)
        assert await open_links(kaderbot) == [clock.now + dt.timedelta(minutes=10)]
        assert await count(kaderbot, DashboardSession) == 1
        assert (await working.get(OVERVIEW)).status_code == 200  # the live session goes on
        assert (await leaving.get(OVERVIEW)).status_code == 401
        assert (await working.get(fresh)).status_code == 200  # the fresh link still opens
        again = await scheduler.purge()
        assert (again.dashboard_links, again.dashboard_sessions) == (0, 0)

        clock.advance(minutes=31)  # no click for longer than the idle timeout; the link expired
        purged = await scheduler.purge()
        assert (purged.dashboard_links, purged.dashboard_sessions) == (1, 1)
        assert (await count(kaderbot, DashboardLoginLink), await count(kaderbot, DashboardSession)) == (0, 0)
        assert (await working.get(OVERVIEW)).status_code == 401


async def test_a_busy_session_is_purged_after_its_lifetime(
    short_retention: KaderBot, scheduler: SchedulerHandle, clock: Clock
) -> None:
    kaderbot = short_retention
    async with client(kaderbot) as busy:
        await sign_in(kaderbot, busy)
        for _ in range(12 * 2):  # a click every half hour less a minute, for twelve hours
            clock.advance(minutes=29)
            assert (await scheduler.purge()).dashboard_sessions == 0
            assert (await busy.get(OVERVIEW)).status_code == 200
        clock.advance(minutes=29)
        assert (await scheduler.purge()).dashboard_sessions == 1
        assert (await busy.get(OVERVIEW)).status_code == 401
