"""One turn of a conversation: what a flow sees and how it answers."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import Translator
from handlers.state import ConversationState, Prompt
from handlers.types import Attachment, Choice, Option, Reply, Text
from storage.models import Person
from storage.repositories.conversations import IdentityRow
from storage.turns import TurnTransaction

if TYPE_CHECKING:
    from handlers.flows.base import Flow
    from storage.media import MediaStore

BACK = "_back"
SKIP = "_skip"
BACK_WORDS = frozenset({"kembali", "back", "balik"})


class NotPrepared(Exception):
    """Something slow to build on first use (the programme matcher) was needed inside a turn's
    transaction. The core rolls the turn back, awaits `prepare()` outside it (no write lock held:
    other people's turns go on meanwhile) and runs the turn again."""

    def __init__(self, what: str, prepare: Callable[[], Awaitable[None]]) -> None:
        super().__init__(f"{what} is not built yet")
        self.prepare = prepare


_IN_TRANSACTION: ContextVar[bool] = ContextVar("kaderbot_turn_in_transaction", default=False)


@contextlib.contextmanager
def preparing_outside() -> Iterator[None]:
    """Within: a turn's transaction, whose first-use builds raise `NotPrepared` (see `in_transaction`)."""
    token = _IN_TRANSACTION.set(True)
    try:
        yield
    finally:
        _IN_TRANSACTION.reset(token)


def in_transaction() -> bool:
    """Whether the caller runs inside a turn that the core can run again once prepared. Outside
    one (the `kaderbot ask` command, scripts) a first-use build simply runs where it is."""
    return _IN_TRANSACTION.get()


@dataclass(frozen=True, slots=True)
class Input:
    """An event as a flow sees it: `value` is the chosen option's value, when one was chosen."""

    text: str | None = None
    value: str | None = None
    attachments: tuple[Attachment, ...] = ()

    @property
    def is_back(self) -> bool:
        if self.value == BACK:
            return True
        return self.value is None and (self.text or "").strip().casefold() in BACK_WORDS


def turn_token(turn: int) -> str:
    """Short, stable stamp for option payloads (base 36)."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        turn, rest = divmod(turn, 36)
        out = digits[rest] + out
        if turn == 0:
            return out


@dataclass
class Turn:
    storage: TurnTransaction
    identity: IdentityRow
    attach_person: Callable[[], Person]  # the person as an ORM entity, built on first use
    state: ConversationState
    t: Translator
    now: dt.datetime
    zone: ZoneInfo
    flows: Mapping[str, Flow]
    replies: list[Reply] = field(default_factory=list)
    media: MediaStore | None = None  # received photos and documents (storage/media.py)
    _person: Person | None = field(default=None, repr=False)
    _begun_with: dict[str, Any] = field(default_factory=dict, repr=False)  # the last goto's arguments

    @property
    def session(self) -> AsyncSession:
        """The ORM session of this turn's transaction (made on first use: most turns need none)."""
        return self.storage.session

    @property
    def person(self) -> Person:
        if self._person is None:
            self._person = self.attach_person()
        return self._person

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.zone).date()

    @property
    def lang(self) -> str:
        return self.t.lang

    def set_language(self, lang: str) -> None:
        self.t = self.t.catalogues.translator(lang)
        self.person.language = self.t.lang

    def say(self, key: str, /, **params: object) -> None:
        self.replies.append(Text(self.t(key, **params)))

    def say_text(self, text: str) -> None:
        self.replies.append(Text(text))

    def ask(
        self,
        text: str,
        options: Sequence[tuple[str, str] | tuple[str, str, str | None]] = (),
        *,
        numbered: bool = True,
        choice: bool = False,
        lead: str | None = None,
    ) -> None:
        """Put a question on screen and remember it, so typed answers and buttons can be matched.
        `choice`: the options are the only answers, so a label said in a sentence picks one.
        `lead`: said before the question this once ('Maaf, …'); the question shown again (after
        /bantuan, a stale button, a language change) comes without it."""
        self.state.turn += 1
        stored = [[str(v) for v in option if v is not None] for option in options]
        self.state.prompt = Prompt(text=text, options=stored, numbered=numbered, choice=choice)
        self.show_prompt()
        shown = self.replies[-1]
        if lead and isinstance(shown, (Text, Choice)):
            self.replies[-1] = replace(shown, text=f"{lead} {shown.text}")

    def show_prompt(self, page: int = 0) -> None:
        prompt = self.state.prompt
        if prompt is None:
            return
        prompt.page = page
        token = turn_token(self.state.turn)
        if not prompt.options:
            self.replies.append(Text(prompt.text))
            return
        options = tuple(Option(f"{token}.{o[0]}", o[1], o[2] if len(o) > 2 else None) for o in prompt.options)
        self.replies.append(Choice(prompt.text, options, page=page, turn=token, numbered=prompt.numbered))

    async def goto(self, flow_name: str, /, **args: Any) -> None:
        """Leave the current flow and begin another, if this person may use it."""
        flow = self.flows[flow_name]
        asks_consent = flow_name == "welcome" and args.get("step") == "consent"
        if asks_consent and self.state.flow not in ("menu", "welcome"):
            # A flow asking for consent (the urgent TRC form) is begun again, as it was, after it.
            self.state.after_consent = {"flow": self.state.flow, "args": dict(self._begun_with)}
        denial = await flow.refusal(self)
        if denial is not None:
            self.say(denial)
            if denial == "access.need_consent":  # opened once consent is given (flows/welcome.py)
                self.state.after_consent = {"flow": flow_name, "args": args}
            flow_name, flow = "menu", self.flows["menu"]
        self.state.flow = flow_name
        self.state.data = {}
        self.state.prompt = None
        self._begun_with = args
        await flow.begin(self, **args)

    async def resume(self) -> None:
        await self.flows[self.state.flow].resume(self)
