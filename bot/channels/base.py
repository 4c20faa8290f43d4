"""What a platform channel offers the runtime. A channel is a transport: platform updates become
`IncomingEvent`s for the core, the core's replies become platform calls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from handlers.types import Reply

if TYPE_CHECKING:
    from fastapi import APIRouter


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


class TurnNotStored(Exception):
    """The core could not record an incoming message (its database failed): the platform must
    deliver it again, so the webhook answers 5xx and polling does not confirm the update."""


class PlatformChannel(Protocol):
    name: str

    def router(self) -> APIRouter | None:
        """Webhook routes to mount on the shared web app, if this channel uses webhooks."""

    async def start(self) -> None:
        """Start receiving (polling or webhook registration), inside the web server's event loop."""

    async def stop(self) -> None: ...

    async def send(self, address: str, replies: Sequence[Reply], *, kind: str = "notification") -> str | None:
        """Deliver replies to one person outside a conversation turn (notifications, the outbox).
        `kind` (notification, reminder, broadcast, ticket_status, …) picks WhatsApp's template outside
        the 24-hour window; other channels may ignore it.
        Raises Unreachable, RateLimited or WindowClosed. May return the platform's id of the (last)
        message sent; the outbox records it."""

    async def healthy(self) -> bool: ...


# Optional capabilities. The outbox (bot/outbox.py) uses them when a channel has them and works
# without them: no live progress edits, broadcasts without their attachment, nothing to prepare.


@runtime_checkable
class ShowsProgress(Protocol):
    async def send_progress(self, address: str, text: str, handle: str | None) -> str | None:
        """One message that changes (a broadcast's live progress): send `text` as a new message when
        `handle` is None, else edit the message `handle` names. Returns the handle for the next edit
        (None: the message could not be sent). Must not raise for "not modified"."""


@runtime_checkable
class DownloadsMedia(Protocol):
    async def download(self, ref: str) -> bytes:
        """The bytes behind an incoming attachment's `ref` (to broadcast a coordinator's photo)."""


@runtime_checkable
class SendsWithoutReceiving(Protocol):
    async def start_sending(self) -> None:
        """Get ready to send only (a sender process beside the bot: no polling, no webhook)."""
