"""python-telegram-bot's HTTP for Bot API calls on aiohttp instead of httpx.

Measured against the local fake Bot API on this machine, a bare httpx client answered about 940
requests/s and used most of a broadcast sender's CPU; aiohttp (its HTTP parser is compiled) answered
about 3,970/s at about 250 µs CPU a request. Bulk sending is where that counts (issue #6: ≥ 1,000
messages/s). getUpdates' long poll has a client of its own (one connection), on aiohttp as well.

One `ClientSession` with a connector of `size` keep-alive connections: a call waits for a free one in
aiohttp's connector (its wait is a plain queue, not a walk of the pool per request as in httpcore).
Errors map to PTB's: a timeout is `TimedOut`, any other client error `NetworkError`, so the
channel's retry and back-off rules are unchanged.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import Any

import aiohttp
import certifi
import orjson
from telegram.error import NetworkError, TimedOut
from telegram.ext import ExtBot
from telegram.request import BaseRequest, RequestData

READ_TIMEOUT = 5.0  # seconds, PTB's default for a Bot API answer
CONNECT_TIMEOUT = 5.0
MEDIA_WRITE_TIMEOUT = 20.0  # an upload's body takes longer to send than a JSON one


class AiohttpBotApi(BaseRequest):
    __slots__ = ("_opened", "_session", "_size", "_timeouts")

    def __init__(self, size: int) -> None:
        self._size = size
        self._session: aiohttp.ClientSession | None = None
        self._opened = 0
        self._timeouts: dict[tuple[float | None, float | None, float | None], aiohttp.ClientTimeout] = {}

    @property
    def connections(self) -> int:
        """How many connections were opened so far (a light load keeps to one)."""
        return self._opened

    @staticmethod
    def parse_json_payload(payload: bytes) -> Any:
        """The Bot API's answer, read by orjson (PTB's documented hook; its own uses `json`)."""
        try:
            return orjson.loads(payload)
        except orjson.JSONDecodeError:  # PTB's reading: invalid UTF-8 replaced, or its error
            return BaseRequest.parse_json_payload(payload)

    def _on_connection(self) -> None:
        self._opened += 1

    @property
    def read_timeout(self) -> float | None:
        return READ_TIMEOUT

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            tls = ssl.create_default_context(cafile=certifi.where())
            connector = _CountingConnector(
                self._on_connection, limit=self._size, ssl=tls, keepalive_timeout=30
            )
            headers = {"User-Agent": self.USER_AGENT}
            self._session = aiohttp.ClientSession(connector=connector, headers=headers)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            await self.initialize()
        assert self._session is not None
        files = request_data.multipart_data if request_data else None
        read = _given(read_timeout, READ_TIMEOUT)
        write = _given(write_timeout, MEDIA_WRITE_TIMEOUT if files else READ_TIMEOUT)
        # aiohttp has no separate write timeout: an upload's read waits for the write time as well.
        extra = (write or 0.0) if files else 0.0
        timeout = self._timeout(
            _given(pool_timeout, None),
            _given(connect_timeout, CONNECT_TIMEOUT),
            None if read is None else read + extra,
        )
        try:
            headers = _JSON_HEADERS if isinstance(request_data, JsonBody) else None
            async with self._session.request(
                method, url, data=_body(request_data), headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except (TimeoutError, aiohttp.ServerTimeoutError) as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err

    def _timeout(
        self, pool: float | None, connect: float | None, read: float | None
    ) -> aiohttp.ClientTimeout:
        """The same few timeouts on every call: each made once."""
        key = (pool, connect, read)
        timeout = self._timeouts.get(key)
        if timeout is None:
            timeout = self._timeouts[key] = aiohttp.ClientTimeout(
                total=None,
                connect=pool,  # waiting for a free connection, then connecting
                sock_connect=connect,
                sock_read=read,
            )
        return timeout


class _CountingConnector(aiohttp.TCPConnector):
    """aiohttp's connector, telling `opened` of each connection it makes. (An aiohttp `TraceConfig`
    would do it too, but with one, aiohttp traces every request: its start, headers, each chunk sent
    and received. Measured over the polling bench, issue #19: about 1.5 % of the bot's CPU.)"""

    def __init__(self, opened: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._opened = opened

    async def _create_connection(self, *args: Any) -> Any:  # (request, traces, timeout)
        connection = await super()._create_connection(*args)
        self._opened()
        return connection


def _given(value: Any, default: float | None) -> float | None:
    return default if isinstance(value, type(BaseRequest.DEFAULT_NONE)) else value


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | bytes | None:
    """A JSON body as it is; form fields as httpx would send them: urlencoded, or multipart when
    there are files."""
    if request_data is None:
        return None
    if isinstance(request_data, JsonBody):
        return request_data.payload
    fields = request_data.json_parameters
    files = request_data.multipart_data
    if not files:
        return fields
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form


_JSON_HEADERS = {"Content-Type": "application/json"}


class JsonBody(RequestData):
    """A Bot API request's parameters as one JSON body, encoded once."""

    __slots__ = ("payload",)

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__()
        self.payload = orjson.dumps(data)


class LightCalls:
    """The Bot API calls every turn makes, without python-telegram-bot's object model: parameters
    as a plain dict (an inline keyboard as the Bot API's own JSON), the answer as the Bot API's JSON.
    Everything else is PTB's: the rate limiter (as `ExtBot` passes its calls through it), the HTTP
    layer (`BaseRequest.post`) and its mapping of errors to `Forbidden`, `BadRequest`, `RetryAfter`
    and the rest, so the channel's error handling is the same for both kinds of call.

    Measured (issue #19): PTB's `send_message` spent about 0.3 ms of CPU per call turning the
    parameters into `RequestParameter`s and the answer into a `Message` the channel only took the
    id of. Files, the command menu, getUpdates and downloads stay on PTB's methods."""

    def __init__(self, bot: ExtBot[Any]) -> None:
        self._bot = bot

    async def send_message(self, chat_id: int, text: str, reply_markup: dict[str, Any] | None = None) -> int:
        """The sent message's id."""
        data: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if reply_markup is not None:
            data["reply_markup"] = reply_markup
        result = await self._call("sendMessage", data)
        return int(result["message_id"])

    async def edit_message_text(self, chat_id: int, message_id: int, text: str) -> None:
        await self._call("editMessageText", {"chat_id": chat_id, "message_id": message_id, "text": text})

    async def edit_message_reply_markup(
        self, chat_id: int, message_id: int, reply_markup: dict[str, Any] | None = None
    ) -> None:
        """New buttons under a message; None takes them away."""
        data: dict[str, Any] = {"chat_id": chat_id, "message_id": message_id}
        if reply_markup is not None:
            data["reply_markup"] = reply_markup
        await self._call("editMessageReplyMarkup", data)

    async def answer_callback_query(self, callback_query_id: str) -> None:
        await self._call("answerCallbackQuery", {"callback_query_id": callback_query_id})

    async def _call(self, endpoint: str, data: dict[str, Any]) -> Any:
        limiter = self._bot.rate_limiter
        if limiter is None:
            return await self._post(endpoint, data)
        return await limiter.process_request(
            callback=self._post,
            args=(endpoint, data),
            kwargs={},
            endpoint=endpoint,
            data=data,
            rate_limit_args=None,
        )

    async def _post(self, endpoint: str, data: dict[str, Any], **_: Any) -> Any:
        return await self._bot.request.post(
            url=f"{self._bot.base_url}/{endpoint}", request_data=JsonBody(data)
        )
