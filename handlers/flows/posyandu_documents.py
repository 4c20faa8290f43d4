"""/dokumen: a Posyandu's documents (SK pembentukan / struktur organisasi and others), kept.

A cadre or the ketua uploads a document as a photo or a PDF for their Posyandu's institution (the
lembaga, also when they registered at a pos pelayanan below it) and lists what is kept. A
coordinator picks a Posyandu of their regions and opens its documents and its monthly reports'
photos: the bot sends the files back from the media store (storage/media.py). Every file is checked
against the person's Posyandu or the coordinator's scope when it is opened, not only when listed.
"""

from __future__ import annotations

import logging
from typing import Any

from babel.dates import format_date
from sqlalchemy import select

from handlers.access import COORDINATOR_ROLES, OutOfScope, Scope, require_posyandu, scope_of
from handlers.flows.base import Flow
from handlers.forms.dates import month_name
from handlers.posyandu.institution import institution_id_of
from handlers.turn import BACK, Input, Turn
from handlers.types import File
from storage.media import filename_for
from storage.models import Cadre, MonthlyReport, Posyandu
from storage.models_media import DOC_TYPES, MediaObject, PosyanduDocument
from storage.repositories import audit, scopes
from storage.repositories import media as media_repo

log = logging.getLogger("kaderbot.documents")

MENU = "menu"
UPLOAD, LIST = "up", "ls"
REPORT_PHOTO_MONTHS = 12  # a coordinator sees the photos of this many latest reports per Posyandu
LIST_LIMIT = 60
DOCUMENT_TYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf")


async def open_media(turn: Turn, media_ids: list[int], *, stem: str, caption: str | None = None) -> int:
    """Send stored photos and documents back as files; a note for those not (yet) in the store.
    How many were sent."""
    sent = 0
    for number, media_id in enumerate(media_ids, start=1):
        media = await media_repo.get(turn.session, media_id)
        data = None
        if media is not None and media.status == "stored" and turn.media is not None:
            try:
                data = await turn.media.open(media)
            except Exception:  # the store is unreachable or the object is gone
                log.warning("media %s could not be read from the store", media_id, exc_info=True)
        if media is None or data is None:
            turn.say("media.not_available")
            continue
        kind = "photo" if (media.content_type or "").startswith("image/") else "document"
        name = filename_for(media, f"{stem}-{number}" if len(media_ids) > 1 else stem)
        turn.replies.append(File(kind, name, data, caption=caption, mime_type=media.content_type))
        sent += 1
    return sent


class DocumentsFlow(Flow):
    name = "posyandu_documents"
    needs_consent = True

    async def refusal(self, turn: Turn) -> str | None:
        denial = await super().refusal(turn)
        if denial is not None:
            return denial
        if turn.person.role in COORDINATOR_ROLES:
            return (
                None
                if not (await scope_of(turn.session, turn.person)).empty
                else "coordinator.denied.no_scope"
            )
        if await self._institution(turn) is None:
            return "documents.not_cadre"
        return None

    async def begin(self, turn: Turn, **args: Any) -> None:
        if turn.person.role in COORDINATOR_ROLES:
            await self._pick(turn)
        else:
            self._menu(turn)

    async def handle(self, turn: Turn, inp: Input) -> None:
        denial = await self.refusal(turn)  # again on every step: a role or a Posyandu can change
        if denial is not None:
            turn.say(denial)
            turn.state.data = {}
            await turn.goto(MENU)
            return
        step = turn.state.data.get("step")
        try:
            if step == "pick":
                await self._on_pick(turn, inp)
            elif step == "items":
                await self._on_items(turn, inp)
            elif step == "type":
                await self._on_type(turn, inp)
            elif step == "file":
                await self._on_file(turn, inp)
            elif step == "docs":
                await self._on_docs(turn, inp)
            else:
                await self._on_menu(turn, inp)
        except OutOfScope as exc:
            log.warning("person %s refused: %s", turn.person.id, exc)
            turn.say("coordinator.denied.scope")
            turn.state.data = {}
            await turn.goto(MENU)

    # -- cadres and the ketua -------------------------------------------------------------------

    async def _institution(self, turn: Turn) -> int | None:
        """The institution of the Posyandu the person is a cadre of (not a rejected one)."""
        posyandu_id = await turn.session.scalar(
            select(Cadre.posyandu_id).where(
                Cadre.person_id == turn.person.id, Cadre.verification != "rejected"
            )
        )
        return await institution_id_of(turn.session, posyandu_id) if posyandu_id is not None else None

    def _menu(self, turn: Turn) -> None:
        turn.state.data = {"step": "menu"}
        turn.ask(
            turn.t("documents.menu"),
            [
                (UPLOAD, turn.t("documents.upload")),
                (LIST, turn.t("documents.list")),
                (MENU, turn.t("documents.to_menu")),
            ],
            choice=True,
        )

    async def _on_menu(self, turn: Turn, inp: Input) -> None:
        if inp.value == UPLOAD:
            turn.state.data = {"step": "type"}
            rows = [(code, turn.t(f"documents.type.{code}")) for code in DOC_TYPES]
            turn.ask(turn.t("documents.ask_type"), [*rows, (BACK, turn.t("nav.back"))], choice=True)
        elif inp.value == LIST:
            await self._docs(turn)
        elif inp.value == MENU:
            turn.state.data = {}
            await turn.goto(MENU)
        else:
            turn.say("form.err.pick_option")
            turn.show_prompt()

    async def _on_type(self, turn: Turn, inp: Input) -> None:
        if inp.is_back:
            self._menu(turn)
            return
        if inp.value not in DOC_TYPES:
            turn.say("form.err.pick_option")
            turn.show_prompt()
            return
        turn.state.data = {"step": "file", "doc_type": inp.value}
        max_mb = max(1, turn.media.max_bytes // (1024 * 1024)) if turn.media is not None else 10
        turn.ask(turn.t("documents.ask_file", max_mb=max_mb), [(BACK, turn.t("nav.back"))])

    async def _on_file(self, turn: Turn, inp: Input) -> None:
        if inp.is_back:
            self._menu(turn)
            return
        files = [a for a in inp.attachments if a.kind in ("photo", "document")]
        if not files:
            turn.say("documents.need_file")
            turn.show_prompt()
            return
        kept = [a for a in files if a.media_id is not None]
        if not kept:  # the channel could not keep it at all (no media store)
            turn.say("media.not_available")
            turn.show_prompt()
            return
        for attachment in kept:  # the store also takes spreadsheets (the master list): not here
            media = await media_repo.get(turn.session, attachment.media_id or 0)
            if media is not None and media.content_type not in (None, *DOCUMENT_TYPES):
                max_mb = max(1, turn.media.max_bytes // (1024 * 1024)) if turn.media is not None else 10
                turn.say("media.refused.wrong_type", max_mb=max_mb)
                turn.show_prompt()
                return
        institution_id = await self._institution(turn)
        if institution_id is None:
            raise OutOfScope("no Posyandu")
        doc_type = str(turn.state.data.get("doc_type", "lainnya"))
        await media_repo.claim(turn.session, [a.media_id for a in kept], kind="posyandu_document")
        for attachment in kept:
            turn.session.add(
                PosyanduDocument(
                    posyandu_id=institution_id,
                    media_id=attachment.media_id,
                    doc_type=doc_type,
                    uploaded_by=turn.person.id,
                    uploaded_at=turn.now,
                )
            )
        await turn.session.flush()
        await audit.record(
            turn.session,
            actor=turn.person,
            action="posyandu.document",
            target=f"posyandu {institution_id}",
            details={"doc_type": doc_type, "media_ids": [a.media_id for a in kept]},
            now=turn.now,
        )
        turn.say("documents.saved", type=turn.t(f"documents.type.{doc_type}"), count=len(kept))
        self._menu(turn)

    async def _docs(self, turn: Turn) -> None:
        institution_id = await self._institution(turn)
        if institution_id is None:
            raise OutOfScope("no Posyandu")
        found = await media_repo.documents(turn.session, institution_id)
        if not found:
            turn.say("documents.none")
            self._menu(turn)
            return
        turn.state.data = {"step": "docs"}
        rows = [(f"d{doc.id}", self._doc_label(turn, doc, media)) for doc, media in found[:LIST_LIMIT]]
        turn.ask(turn.t("documents.kept", count=len(found)), [*rows, (BACK, turn.t("nav.back"))])

    async def _on_docs(self, turn: Turn, inp: Input) -> None:
        if inp.is_back:
            self._menu(turn)
            return
        doc = await self._document(turn, inp.value)
        if doc is None:
            turn.say("form.err.pick_option")
            turn.show_prompt()
            return
        institution_id = await self._institution(turn)
        if doc.posyandu_id != institution_id:
            raise OutOfScope(f"document {doc.id}")
        await open_media(turn, [doc.media_id], stem=doc.doc_type.replace("_", "-"))
        turn.show_prompt()

    # -- coordinators -----------------------------------------------------------------------------

    async def _pick(self, turn: Turn) -> None:
        scope = await scope_of(turn.session, turn.person)
        found = await self._posyandu_with_files(turn, scope)
        if not found:
            turn.say("documents.coordinator.none")
            turn.state.data = {}
            await turn.goto(MENU)
            return
        turn.state.data = {"step": "pick"}
        rows = [(f"p{p.id}", p.name) for p in found]
        turn.ask(
            turn.t("documents.coordinator.pick", count=len(found)),
            [*rows, (MENU, turn.t("documents.to_menu"))],
        )

    async def _posyandu_with_files(self, turn: Turn, scope: Scope) -> list[Posyandu]:
        roots = scope.sql_roots
        with_docs = set(
            (
                await turn.session.scalars(
                    select(PosyanduDocument.posyandu_id)
                    .join(Posyandu, Posyandu.id == PosyanduDocument.posyandu_id)
                    .where(scopes.within(Posyandu.region_code, roots))
                )
            ).all()
        )
        reports = await turn.session.execute(
            select(MonthlyReport.posyandu_id, MonthlyReport.photos)
            .join(Posyandu, Posyandu.id == MonthlyReport.posyandu_id)
            .where(scopes.within(Posyandu.region_code, roots))
            .order_by(MonthlyReport.month.desc())
            .limit(2000)
        )
        with_photos = {posyandu_id for posyandu_id, photos in reports.all() if media_repo.media_ids(photos)}
        ids = with_docs | with_photos
        if not ids:
            return []
        found = await turn.session.scalars(
            select(Posyandu).where(Posyandu.id.in_(ids)).order_by(Posyandu.name)
        )
        return list(found.all())[:LIST_LIMIT]

    async def _on_pick(self, turn: Turn, inp: Input) -> None:
        if inp.value == MENU:
            turn.state.data = {}
            await turn.goto(MENU)
            return
        value = inp.value or ""
        if not (value.startswith("p") and value[1:].isdigit()):
            turn.say("form.err.pick_option")
            turn.show_prompt()
            return
        await self._items(turn, int(value[1:]))

    async def _items(self, turn: Turn, posyandu_id: int) -> None:
        scope = await scope_of(turn.session, turn.person)
        posyandu = await require_posyandu(turn.session, scope, posyandu_id)
        rows: list[tuple[str, str]] = []
        for doc, media in await media_repo.documents(turn.session, posyandu.id):
            rows.append((f"d{doc.id}", self._doc_label(turn, doc, media)))
        reports = await turn.session.execute(
            select(MonthlyReport.id, MonthlyReport.month, MonthlyReport.photos)
            .where(MonthlyReport.posyandu_id == posyandu.id)
            .order_by(MonthlyReport.month.desc())
            .limit(REPORT_PHOTO_MONTHS)
        )
        for report_id, month, photos in reports.all():
            count = len(media_repo.media_ids(photos))
            if count:
                label = turn.t("documents.report_photos", month=month_name(month, turn.lang), count=count)
                rows.append((f"r{report_id}", label))
        turn.state.data = {"step": "items", "posyandu": posyandu.id}
        if not rows:
            turn.say("documents.none")
        turn.ask(
            turn.t("documents.coordinator.items", name=posyandu.name),
            [*rows[:LIST_LIMIT], (BACK, turn.t("nav.back"))],
        )

    async def _on_items(self, turn: Turn, inp: Input) -> None:
        if inp.is_back:
            await self._pick(turn)
            return
        scope = await scope_of(turn.session, turn.person)
        value = inp.value or ""
        if value.startswith("r") and value[1:].isdigit():
            report = await turn.session.get(MonthlyReport, int(value[1:]))
            if report is None:
                raise OutOfScope(f"report {value}")
            posyandu = await require_posyandu(turn.session, scope, report.posyandu_id)
            stem = f"laporan-{report.month:%Y-%m}"
            caption = turn.t(
                "documents.report_caption", name=posyandu.name, month=month_name(report.month, turn.lang)
            )
            await open_media(turn, media_repo.media_ids(report.photos), stem=stem, caption=caption)
            turn.show_prompt()
            return
        doc = await self._document(turn, value)
        if doc is None:
            turn.say("form.err.pick_option")
            turn.show_prompt()
            return
        posyandu = await require_posyandu(turn.session, scope, doc.posyandu_id)
        caption = f"{posyandu.name} · {turn.t(f'documents.type.{doc.doc_type}')}"
        await open_media(turn, [doc.media_id], stem=doc.doc_type.replace("_", "-"), caption=caption)
        turn.show_prompt()

    # -- shared -----------------------------------------------------------------------------------

    @staticmethod
    async def _document(turn: Turn, value: str | None) -> PosyanduDocument | None:
        value = value or ""
        if not (value.startswith("d") and value[1:].isdigit()):
            return None
        return await turn.session.get(PosyanduDocument, int(value[1:]))

    @staticmethod
    def _doc_label(turn: Turn, doc: PosyanduDocument, media: MediaObject) -> str:
        when = format_date(doc.uploaded_at.astimezone(turn.zone).date(), "d MMM yyyy", locale=turn.lang)
        key = "documents.row" if media.status == "stored" else "documents.row_pending"
        return turn.t(key, type=turn.t(f"documents.type.{doc.doc_type}"), date=when)
