"""Per-platform send rate limits: messages per second overall, a gap between two messages to one
chat, and a pause everyone honours after the platform said "retry after N seconds".

Turns are handed out on an absolute timeline (the n-th send may start at t0 + n/rate, give or take
a small burst), so sleeping a little late never adds up: over a long run the rate is the configured
one, not less, and never more. A sender takes its turn *before* it picks a message (so messages
wait in the queue, not half-sent); `before_send()`, right before the platform call, bounds the sends that
actually start in any window, whatever delays happened in between, and keeps each chat's gap.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

CHAT_MEMORY = 50_000  # chats remembered for the per-chat gap before old entries are dropped
EPSILON = 1e-9  # a token refilled up to rounding is a token (or a wait of nothing could loop)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """`per_second` 0: no overall cap. `chat_interval` 0: no per-chat gap."""

    per_second: float = 0.0
    chat_interval: float = 0.0

    def __post_init__(self) -> None:
        if self.per_second < 0 or self.chat_interval < 0:
            raise ValueError("rates and intervals cannot be negative")


class Limiter:
    def __init__(
        self,
        limit: RateLimit,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limit = limit
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0  # earliest start of the next overall turn
        self._tokens = self.burst  # the pre-send token bucket (see `spaced`)
        self._filled_at = clock()
        self._paused_until = 0.0
        self._chats: dict[str, float] = {}  # chat → earliest start of its next message

    @property
    def paused_until(self) -> float:
        return self._paused_until

    def pause(self, seconds: float) -> None:
        """The platform asked everyone to wait (Telegram 429 retry_after is per bot, not per chat)."""
        self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))

    async def turn(self) -> None:
        """Wait for the next overall turn (and for any pause to end). Turns follow a timeline of one
        per 1/rate seconds; a sender that fell behind (a slow database step, a busy machine) may
        catch up by at most `burst` turns, so a stall is made good instead of lost."""
        interval = 1.0 / self.limit.per_second if self.limit.per_second else 0.0
        slack = (self.burst - 1.0) * interval
        while True:
            now = self._clock()
            start = max(now, self._next - slack, self._paused_until)
            self._next = max(self._next, start) + interval  # reserve before sleeping: callers queue up
            if start > now:
                await self._sleep(start - now)
            if self._clock() >= self._paused_until:
                return
            # A pause began while we slept: take a new turn after it.

    @property
    def burst(self) -> float:
        """Sends that may start together after a delay: a tenth of a second's worth (at least 1)."""
        return max(1.0, self.limit.per_second / 10)

    async def spaced(self) -> None:
        """Right before a send (nothing else awaited until the platform call): a token bucket of
        `burst` tokens refilled at the rate. In any window of T seconds at most rate × T + burst
        sends start, and a send that was held up can catch up with the timeline."""
        rate = self.limit.per_second
        if not rate:
            return
        while True:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._filled_at) * rate)
            self._filled_at = now
            if now >= self._paused_until and self._tokens >= 1.0 - EPSILON:
                self._tokens = max(0.0, self._tokens - 1.0)
                return
            wait = max(self._paused_until - now, (1.0 - self._tokens) / rate)
            await self._sleep(wait)

    async def before_send(self, chat: str) -> None:
        """Right before a send to `chat`: wait until the chat's gap has passed and the bucket has a
        token, then count the send as started. Nothing is awaited between the last check and the
        return, so two sends to one chat are never closer than the gap."""
        gap = self.limit.chat_interval
        while True:
            now = self._clock()
            free_at = max(self._chats.get(chat, 0.0) if gap else 0.0, self._paused_until)
            if free_at > now:
                await self._sleep(free_at - now)
                continue
            await self.spaced()
            now = self._clock()
            if not gap or self._chats.get(chat, 0.0) <= now:
                break
            # Another send to this chat started while we waited for a token: its gap first.
        if gap:
            self._chats[chat] = now + gap
            if len(self._chats) > CHAT_MEMORY:
                self._forget(now)

    def _forget(self, now: float) -> None:
        for chat in [c for c, at in self._chats.items() if at <= now]:
            del self._chats[chat]
