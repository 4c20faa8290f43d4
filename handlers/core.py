"""The conversation core: one incoming event in, replies out, state saved in one short transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from handlers.commands import Command, command_button, parse_command
from handlers.flows.base import Flow
from handlers.flows.language import interrupt_for_language
from handlers.forms.answers import choice_candidates, pick_by_meaning, small_number, standard_option
from handlers.i18n import Catalogues
from handlers.state import ConversationState
from handlers.text_clean import clean_event
from handlers.turn import Input, NotPrepared, Turn, preparing_outside, turn_token
from handlers.types import Attachment, IncomingEvent, Outcome, Text
from storage.db import Database
from storage.inline_sqlite import locked_out
from storage.media import DEFAULT_MAX_BYTES, MediaStore
from storage.repositories.conversations import AlreadyHandled, Opened
from storage.repositories.turn_replies import Kept
from storage.turns import TurnTransaction

log = logging.getLogger("kaderbot.core")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _megabytes(media: MediaStore | None) -> int:
    return max(1, (media.max_bytes if media is not None else DEFAULT_MAX_BYTES) // (1024 * 1024))


@dataclass
class Core:
    db: Database
    catalogues: Catalogues
    flows: Mapping[str, Flow]
    zone: ZoneInfo
    clock: Callable[[], dt.datetime] = utcnow
    # Told of every event: (channel, flow, "ok" | "duplicate" | "error", seconds); bot/metrics.py
    # counts them. A plain callable, so the core knows nothing of Prometheus.
    observer: Callable[[str, str | None, str, float], None] | None = None
    # Channels whose turns keep their replies in the database until sent (bot/replies.py), so a
    # crash between the commit and the send does not lose them.
    durable_channels: frozenset[str] = frozenset({"telegram", "whatsapp"})
    media: MediaStore | None = None  # where received photos and documents are kept

    async def handle(self, event: IncomingEvent) -> Outcome:
        """Handle one event exactly once. On a flow error the person's earlier answers stay intact."""
        event = clean_event(event)  # no control characters past the channel boundary (handlers/text_clean.py)
        started, kind = time.perf_counter(), "ok"
        try:
            outcome = await self._turn(event)
        except AlreadyHandled:
            outcome, kind = Outcome(duplicate=True), "duplicate"
        except Exception as error:
            if locked_out(error):  # not used up with an apology: the platform is to deliver it again
                log.warning(
                    "turn not stored, the database stayed locked: channel=%s message_id=%s",
                    event.identity.channel,
                    event.message_id,
                )
                outcome, kind = Outcome(stored=False), "error"
            else:
                log.exception("flow error channel=%s message_id=%s", event.identity.channel, event.message_id)
                outcome, kind = await self._apologise(event), "error"
        if self.observer is not None:
            self.observer(event.identity.channel, outcome.flow, kind, time.perf_counter() - started)
        return outcome

    async def _turn(self, event: IncomingEvent) -> Outcome:
        """One short transaction: opened, routed to the flow, state saved, committed. Something slow
        to build on first use (the programme matcher) is built outside it: the turn is rolled back,
        the build awaited with no lock held, and the turn run again (handlers/turn.py `NotPrepared`)."""
        try:
            with preparing_outside():
                return await self._transaction(event)
        except NotPrepared as missing:
            await missing.prepare()
        return await self._transaction(event)  # anything else still unbuilt is built in the turn

    async def _transaction(self, event: IncomingEvent) -> Outcome:
        async with self.db.turns.begin() as transaction:
            now = self.clock()
            opened = await transaction.open(
                event.identity,
                message_id=event.message_id,
                language=self.catalogues.language(event.language_hint or self.catalogues.default_language),
                now=now,
            )
            turn = self._turn_for(transaction, opened, now)
            entered = turn.state.flow
            await self._route(turn, event)
            kept = self._kept(event, turn, now)
            await transaction.save_and_commit(opened, turn.state.to_json(), now, replies=kept)
            return Outcome(replies=turn.replies, language=turn.t.lang, flow=entered, kept=kept is not None)

    def _kept(self, event: IncomingEvent, turn: Turn, now: dt.datetime) -> Kept | None:
        """The replies to keep with the turn until the channel has sent them, if any."""
        who = event.identity
        if not turn.replies or event.message_id is None or who.channel not in self.durable_channels:
            return None
        return Kept(who.channel, event.message_id, who.address, turn.t.lang, list(turn.replies), now)

    def _turn_for(self, transaction: TurnTransaction, opened: Opened, now: dt.datetime) -> Turn:
        return Turn(
            storage=transaction,
            identity=opened.identity,
            attach_person=functools.partial(transaction.person, opened),
            state=ConversationState.from_json(opened.state),
            t=self.catalogues.translator(opened.language),
            now=now,
            zone=self.zone,
            flows=self.flows,
            media=self.media,
        )

    async def _route(self, turn: Turn, event: IncomingEvent) -> None:
        command = parse_command(event.text) or command_button(event.payload)
        if command is not None:
            await self._command(turn, command)
            return
        intercept = getattr(self.flows.get("safety"), "intercept", None)  # handlers/safety: danger first
        if intercept is not None and event.payload is None and await intercept(turn, event.text):
            return
        flow = self.flows[turn.state.flow]
        refused = [a for a in event.attachments if a.refused]
        if refused:  # too big or not a photo/PDF: said once, and the flow sees the rest
            for attachment in refused:
                turn.say(f"media.refused.{attachment.refused}", max_mb=_megabytes(self.media))
            kept = tuple(a for a in event.attachments if not a.refused)
            event = dataclasses.replace(event, attachments=kept)
            if not event.attachments and not event.text:
                await flow.resume(turn)
                return
        if event.payload is not None:
            inp = self._pressed(turn, event.payload)
            if inp is None:
                return
        else:
            inp = typed_input(turn, event.text, event.attachments)
        await flow.handle(turn, inp)

    def _pressed(self, turn: Turn, payload: str) -> Input | None:
        """A button press: current ones become a value; stale or forged ones get a gentle note."""
        current = turn_token(turn.state.turn)
        prompt = turn.state.prompt
        token, sep, rest = payload.partition("~")
        if sep and token == current and prompt is not None and _small_number(rest):
            turn.show_prompt(page=int(rest))
            return None
        token, sep, value = payload.partition(".")
        if sep and token == current and prompt is not None and any(o[0] == value for o in prompt.options):
            return Input(value=value)
        turn.say("core.stale_button")
        turn.show_prompt()
        return None

    async def _command(self, turn: Turn, command: Command) -> None:
        flow = self.flows[turn.state.flow]
        if command.name == "cancel":
            cancel = getattr(flow, "cancel", None)
            if cancel is not None:
                await cancel(turn)
            else:
                turn.say("core.nothing_to_cancel")
                await turn.goto("menu" if turn.state.flow != "welcome" else "welcome")
            return
        if command.name == "unknown":
            turn.say("core.unknown_command")
            await flow.resume(turn)
            return
        if command.name == "help":
            turn.say("core.help")
            role_help = HELP_BY_ROLE.get(turn.person.role)
            if role_help is not None:
                turn.say(role_help)
            await flow.resume(turn)
            return
        if command.name == "language":
            await interrupt_for_language(turn)
            return
        park = getattr(flow, "park", None)
        if park is not None:
            park(turn)
        await turn.goto(command.flow, **command.args)

    async def _apologise(self, event: IncomingEvent) -> Outcome:
        """After a failed turn: record the message as handled, say sorry, show the question again."""
        try:
            async with self.db.turns.begin() as transaction:
                opened, recorded = await self._open_again(transaction, event)
                now = self.clock()
                turn = self._turn_for(transaction, opened, now)
                turn.say("core.error")
                turn.show_prompt()
                kept = self._kept(event, turn, now) if recorded else None
                await transaction.commit(replies=kept)
                return Outcome(replies=turn.replies, language=turn.t.lang, kept=kept is not None)
        except Exception:
            log.exception("could not apologise channel=%s", event.identity.channel)
            t = self.catalogues.translator(self.catalogues.default_language)
            return Outcome(replies=[Text(t("core.error"))], stored=False)

    async def _open_again(self, transaction: TurnTransaction, event: IncomingEvent) -> tuple[Opened, bool]:
        """The conversation, and whether the message id was recorded by this opening (so the
        apology may be kept under it)."""
        language, now = self.catalogues.default_language, self.clock()
        try:
            opened = await transaction.open(
                event.identity, message_id=event.message_id, language=language, now=now
            )
            return opened, True
        except AlreadyHandled:  # another worker handled a redelivery meanwhile; still say sorry here
            opened = await transaction.open(event.identity, message_id=None, language=language, now=now)
            return opened, False


HELP_BY_ROLE = {
    "resident": "core.help.resident",
    "cadre": "core.help.cadre",
    "coordinator": "core.help.coordinator",
    "admin": "core.help.coordinator",
}


def typed_input(turn: Turn, text: str | None, attachments: tuple[Attachment, ...] = ()) -> Input:
    """Typed text as the flow in progress receives it: the option of the question on screen that it
    picks (see match_option), if any. The safety screen passes text on through this, too."""
    prompt = turn.state.prompt
    value = None
    if text is not None and prompt is not None and prompt.options:
        value = match_option(
            text, prompt.options, numbered=prompt.numbered, lang=turn.lang, choice=prompt.choice
        )
        if value is None:  # 'batal' at '✖ Cancel', 'skip' at 'Lewati': either language's word
            value = standard_option(text, prompt.options, turn.t.catalogues)
    return Input(text=text, value=value, attachments=attachments)


def match_option(
    text: str, options: list[list[str]], *, numbered: bool, lang: str = "id", choice: bool = False
) -> str | None:
    """Map a typed answer to an option: its number (when numbered), its label ignoring case and
    punctuation, or what it means ('iya', 'ga tau', 'udah' → the one option meaning yes, don't know,
    done; the words are data in locales/{lang}/answers.yaml). At a `choice` question (its options are
    its only answers) also a label said in a sentence: 'saya setuju', 'saya ketua', 'kader'."""
    typed = text.strip().casefold()
    if not typed:
        return None
    if numbered and _small_number(typed):
        index = int(typed) - 1
        return options[index][0] if 0 <= index < len(options) else None
    said = _plain(typed)
    for option in options:
        if _plain(option[1]) == said:
            return option[0]
    picked = pick_by_meaning(typed, options, lang)
    if picked is None and choice:
        found = choice_candidates(typed, options, lang)
        picked = found[0] if len(found) == 1 else None
    return picked


def _small_number(text: str) -> bool:
    """ASCII digits only, and few: str.isdigit() also accepts '²', and int() refuses 5,000 digits."""
    return small_number(text)


def _plain(label: str) -> str:
    """A label without emoji or punctuation, so '✅ Kirim' matches 'kirim'."""
    return " ".join("".join(c for c in label.casefold() if c.isalnum() or c.isspace()).split())
