"""What a platform channel offers the runtime. A channel is a transport: platform updates become
`IncomingEvent`s for the core, the core's replies become platform calls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from fastapi import APIRouter

from handlers.types import Reply


class DeliveryError(Exception):
    """A send failed in a way the caller must act on."""


class Unreachable(DeliveryError):
    """The person blocked the bot or the address no longer exists (Telegram 403, WhatsApp 131026)."""


class RateLimited(DeliveryError):
    """The platform asked us to wait `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


class WindowClosed(DeliveryError):
    """WhatsApp: outside the 24-hour window only a template may be sent (131047)."""


class PlatformChannel(Protocol):
    name: str

    def router(self) -> APIRouter | None:
        """Webhook routes to mount on the shared web app, if this channel uses webhooks."""

    async def start(self) -> None:
        """Start receiving (polling or webhook registration), inside the web server's event loop."""

    async def stop(self) -> None: ...

    async def send(self, address: str, replies: Sequence[Reply]) -> None:
        """Deliver replies to one person outside a conversation turn (notifications, the outbox).
        Raises Unreachable, RateLimited or WindowClosed."""

    async def healthy(self) -> bool: ...
