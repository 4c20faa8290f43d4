"""/imporposyandu: a kabupaten coordinator sends the Posyandu master list (XLSX or CSV) as a document
and gets the same all-or-nothing import as `kaderbot admin import-posyandu` — or asks for the
template workbook with a button. The file reaches the flow through the media store (the channel
downloads it on arrival, bot/media_intake.py); the role and the kabupaten scope are checked here,
on every step, and every row outside the coordinator's kabupaten is refused by its row number.
"""

from __future__ import annotations

import logging
from typing import Any

from handlers import sheets
from handlers.flows.coordinator_common import MENU, CoordinatorFlow
from handlers.posyandu import master_list, master_template
from handlers.turn import Input, Turn
from handlers.types import Attachment, File

log = logging.getLogger("kaderbot.posyandu")

TEMPLATE = "template"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MESSAGE_CHARS = 3500  # one chat message (Telegram allows 4096)


class PosyanduImportFlow(CoordinatorFlow):
    name = "coordinator_posyandu_import"

    async def start(self, turn: Turn, **args: Any) -> None:
        if not await self._allowed(turn):
            return
        self._ask_file(turn, "posyandu.chat.ask_file")

    async def step(self, turn: Turn, inp: Input) -> None:
        if not await self._allowed(turn):
            return
        if inp.value == MENU:
            await turn.goto(MENU)
            return
        if inp.value == TEMPLATE:
            turn.replies.append(
                File(
                    "document",
                    turn.t("posyandu.chat.template_name"),
                    master_template.template(turn.t),
                    caption=turn.t("posyandu.chat.template_caption"),
                    mime_type=XLSX_MIME,
                )
            )
            self._ask_file(turn, "posyandu.chat.ask_file_again")
            return
        files = [a for a in inp.attachments if a.kind == "document"]
        if not files:
            key = "posyandu.chat.photo_not_file" if inp.attachments else "posyandu.chat.need_file"
            self._ask_file(turn, key)
            return
        data = await self._bytes(turn, files[0])
        if data is None:
            return
        data_bytes, filename = data
        result = await master_list.import_posyandu(
            turn.session,
            data_bytes,
            filename=filename,
            scope=await self.scope(turn),
            actor=turn.person,
            now=turn.now,
        )
        for text in _messages(result.lines(turn.t)):
            turn.say_text(text)
        if result.ok:
            turn.state.data = {}
            await turn.goto(MENU)
        else:
            self._ask_file(turn, "posyandu.chat.ask_fixed_file")

    async def _allowed(self, turn: Turn) -> bool:
        if master_list.may_import(turn.person, await self.scope(turn)):
            return True
        turn.say("posyandu.import.not_allowed")
        turn.state.data = {}
        await turn.goto(MENU)
        return False

    @staticmethod
    def _ask_file(turn: Turn, key: str) -> None:
        turn.ask(
            turn.t(key),
            [(TEMPLATE, turn.t("posyandu.chat.get_template")), (MENU, turn.t("coordinator.nav.menu"))],
        )

    async def _bytes(self, turn: Turn, attachment: Attachment) -> tuple[bytes, str] | None:
        """The document's bytes from the media store, and a file name telling CSV from XLSX."""
        found = await sheets.sent_table(turn, attachment)
        if found is None:
            log.warning("posyandu import: document %s not in the media store", attachment.media_id)
            self._ask_file(turn, "posyandu.chat.file_not_received")
        return found


def _messages(lines: list[str]) -> list[str]:
    """Lines joined into chat messages of at most MESSAGE_CHARS: every line is sent, none cut."""
    out: list[str] = []
    current = ""
    for line in lines:
        line = line[:MESSAGE_CHARS]
        if current and len(current) + 1 + len(line) > MESSAGE_CHARS:
            out.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        out.append(current)
    return out
