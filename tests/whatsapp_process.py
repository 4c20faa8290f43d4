"""`kaderbot run` serving the WhatsApp webhook as a real process, for crash and lock tests: signed
bodies posted like Meta posts them, and a fake Graph API whose sends can be made to hang."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.fakes import whatsapp_webhooks as wh
from tests.fakes.graph_api import FakeGraphAPI, graph_error
from tests.kaderbot_process import KaderbotProcess

TOKEN = "TEST_TOKEN"
VERIFY_TOKEN = "verify-me-please"


class HangingGraphAPI(FakeGraphAPI):
    """The fake Graph API; after `hang()`, every send waits until `release()`, then fails unrecorded
    (a send the bot never saw through: nothing reached the person)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._released = threading.Event()
        self._released.set()

    def hang(self) -> None:
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    async def _handle(self, request: Request) -> Response:
        if (
            not self._released.is_set()
            and request.method == "POST"
            and request.url.path.endswith("/messages")
        ):
            await asyncio.to_thread(self._released.wait)
            return JSONResponse(graph_error(131000, message="Something went wrong"), status_code=500)
        return await super()._handle(request)


@dataclass
class WhatsAppProcess(KaderbotProcess[FakeGraphAPI]):
    """`kaderbot run` serving the WhatsApp webhook against the fake Graph API: ready once /healthz
    answers."""

    log_stem: ClassVar[str] = "kaderbot-wa"
    # A body refused while the database is locked logs its traceback on purpose (Meta sends it
    # again): the tests read the log themselves.
    traceback_is_unclean: ClassVar[bool] = False

    def channel_env(self) -> dict[str, str]:
        return {
            "WHATSAPP_PHONE_NUMBER_ID": wh.PHONE_NUMBER_ID,
            "WHATSAPP_TOKEN": TOKEN,
            "WHATSAPP_APP_SECRET": wh.APP_SECRET,
            "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
            "WHATSAPP_API_BASE_URL": self.fake.base_url,
        }

    def post(self, body: Any, *, timeout: float = 30.0) -> int | None:
        """Meta posting a signed body; None when the bot died under the request."""
        raw = wh.encode(body)
        try:
            response = httpx.post(
                f"{self.base_url}/whatsapp/webhook",
                content=raw,
                headers={"X-Hub-Signature-256": wh.sign(raw), "Content-Type": "application/json"},
                timeout=timeout,
            )
        except httpx.HTTPError:
            return None
        return response.status_code
