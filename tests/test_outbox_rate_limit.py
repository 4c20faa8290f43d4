"""The rate limiter on a simulated clock: turns at the configured rate, a stall made good by at
most one burst, the pre-send bucket bounding any window, the per-chat gap, and a pause for all."""

from __future__ import annotations

import asyncio

import pytest

from bot.rate_limit import Limiter, RateLimit


class SimulatedTime:
    """A clock that only moves when someone sleeps (sleeps run one after another here)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def limiter(rate: float, chat_interval: float = 0.0) -> tuple[Limiter, SimulatedTime]:
    time = SimulatedTime()
    return Limiter(RateLimit(rate, chat_interval), clock=time, sleep=time.sleep), time


async def test_turns_follow_the_rate_after_the_first_burst() -> None:
    limit, time = limiter(100)  # burst 10
    starts = []
    for _ in range(40):
        await limit.turn()
        starts.append(time.now)
    assert starts[:10] == [0.0] * 10  # one burst at once …
    assert starts[10:13] == pytest.approx([0.01, 0.02, 0.03])  # … then one per 1/rate
    assert starts[-1] == pytest.approx(0.30)  # 40 turns: (40 - 10) / 100 s


async def test_a_stall_is_made_good_by_one_burst_at_most() -> None:
    limit, time = limiter(100)
    for _ in range(20):
        await limit.turn()
    time.now += 1.0  # a stall: 100 turns' worth of time passes unused
    starts = []
    for _ in range(15):
        await limit.turn()
        starts.append(time.now)
    stall_end = starts[0]
    assert sum(1 for s in starts if s == stall_end) == 10  # the burst, not 100


async def test_spaced_bounds_every_window() -> None:
    limit, time = limiter(50)  # burst 5
    starts = []
    for _ in range(60):
        await limit.spaced()
        starts.append(time.now)
    for start in starts:
        in_window = sum(1 for s in starts if start <= s < start + 0.2)
        assert in_window <= 50 * 0.2 + 5
    assert starts[-1] - starts[0] == pytest.approx((60 - 5) / 50)


async def test_one_chat_waits_its_gap_and_a_pause_holds_everyone() -> None:
    limit, time = limiter(0, chat_interval=1.0)
    await limit.before_send("a")
    await limit.before_send("b")
    assert time.now == 0.0
    await limit.before_send("a")
    assert time.now == pytest.approx(1.0)
    limit.pause(5)
    await limit.turn()
    assert time.now == pytest.approx(6.0)
    await limit.before_send("c")
    assert time.now == pytest.approx(6.0)


async def test_two_waiters_for_one_chat_keep_its_gap() -> None:
    limit, time = limiter(10, chat_interval=1.0)
    started: list[float] = []

    async def send() -> None:
        await limit.before_send("a")
        started.append(time.now)

    await asyncio.gather(send(), send(), send())
    assert started[1] - started[0] >= 1.0 and started[2] - started[1] >= 1.0
