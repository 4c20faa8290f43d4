"""The DPMD's verification of a Posyandu 6 SPM (issue 16, points 5 and 7): the checklist computed
from the data, the ketua's submission refused with what is missing, a coordinator of the region
returning and verifying it (the ketua told, the audit log written), other regions refused, the
recap against the deadline in /rekap and the workbook, and incentives waiting on it in /insentif.

Demo data: Posyandu Melati 1 (Sari) is verified, Posyandu Kasih Ibu (Nurhayati) is submitted;
Posyandu Seruni (Agustina, ketua, Bulungan: Marlina's region) has not been submitted."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
from sqlalchemy import func, select

from bot.app import KaderBot, build
from bot.settings import load_settings
from handlers.types import File
from storage.models import Cadre, Person, Posyandu
from storage.models_media import MediaObject, PosyanduDocument
from storage.models_outbox import AuditLog
from storage.models_posyandu_verification import PosyanduVerification
from storage.models_structure import PosyanduPosition
from storage.repositories import posyandu_verification
from storage.repositories.scopes import under
from tests.chat import Chat, Clock
from tests.test_incentives_eligibility import line
from tests.test_scheduler_reminders import notices, send_report, wita

SERUNI, KASIH_IBU, TERATAI = "PY-6501-0001", "PY-6402-0006", "PY-6402-0011"
SIX = ["pendidikan", "kesehatan", "pekerjaan_umum", "perumahan_rakyat", "trantibumlinmas", "sosial"]


async def posyandu_id(kaderbot: KaderBot, code: str) -> int:
    async with kaderbot.db.sessions() as session:
        return (await session.execute(select(Posyandu.id).where(Posyandu.code == code))).scalar_one()


async def add_document(kaderbot: KaderBot, code: str) -> None:
    """The structure decree, as P3's /dokumen keeps it: a media object and a posyandu_document."""
    async with kaderbot.db.sessions() as session, session.begin():
        institution = (await session.execute(select(Posyandu).where(Posyandu.code == code))).scalar_one()
        media = MediaObject(kind="posyandu_document", sha256="0" * 64, size=3, content_type="application/pdf")
        session.add(media)
        await session.flush()
        session.add(PosyanduDocument(posyandu_id=institution.id, media_id=media.id, doc_type="sk_struktur"))


async def add_pengurus(kaderbot: KaderBot, code: str, *roles: str) -> None:
    """People in the pengurus places `roles`, as P2's /struktur records them."""
    async with kaderbot.db.sessions() as session, session.begin():
        institution = (await session.execute(select(Posyandu).where(Posyandu.code == code))).scalar_one()
        for role in roles:
            person = Person(full_name=f"{role.title()} {institution.name}", role="cadre")
            session.add(person)
            await session.flush()
            session.add(
                PosyanduPosition(posyandu_id=institution.id, person_id=person.id, field=None, role=role)
            )


async def serve(kaderbot: KaderBot, code: str, fields: list[str]) -> None:
    async with kaderbot.db.sessions() as session, session.begin():
        institution = (await session.execute(select(Posyandu).where(Posyandu.code == code))).scalar_one()
        institution.spm_fields = fields


async def complete(kaderbot: KaderBot, code: str, fields: list[str], *roles: str) -> None:
    await add_document(kaderbot, code)
    await add_pengurus(kaderbot, code, *roles)
    await serve(kaderbot, code, fields)


async def state_of(kaderbot: KaderBot, code: str) -> PosyanduVerification | None:
    async with kaderbot.db.sessions() as session:
        return await posyandu_verification.of(session, await posyandu_id(kaderbot, code))


async def audit_actions(kaderbot: KaderBot) -> list[tuple[str, str]]:
    async with kaderbot.db.sessions() as session:
        rows = await session.execute(
            select(AuditLog.actor, AuditLog.action)
            .where(AuditLog.action.like("posyandu.%"))
            .order_by(AuditLog.id)
        )
        return [(actor, action) for actor, action in rows.all()]


async def test_the_checklist_is_computed_and_a_submission_refused_with_what_is_missing(
    kaderbot: KaderBot, clock: Clock
) -> None:
    agustina = Chat(kaderbot.core, "agustina")
    await agustina.say("/ajukanverifikasi")
    assert "Posyandu Seruni belum dapat diajukan untuk verifikasi" in agustina.text
    screen = agustina.text
    assert "❌ Dokumen struktur organisasi (SK) sudah diunggah" in screen
    assert (
        "❌ Bidang SPM: 1 dari 6 dilayani; belum: " in screen
        and "(alasan ditanyakan saat pengajuan)" in screen
    )
    assert "❌ Pengurus belum lengkap: belum ada sekretaris, bendahara" in screen  # Agustina is ketua
    assert "✅ Kader terverifikasi: 1, menunggu verifikasi: 0" in screen
    assert await state_of(kaderbot, SERUNI) is None

    # Document and pengurus in place; a cadre waiting at a pos pelayanan of Seruni still blocks it.
    await complete(kaderbot, SERUNI, SIX, "sekretaris", "bendahara")
    async with kaderbot.db.sessions() as session, session.begin():
        seruni = (await session.execute(select(Posyandu).where(Posyandu.code == SERUNI))).scalar_one()
        pos = Posyandu(
            code="PY-6501-0001-P1",
            region_code=seruni.region_code,
            name="Pos Seruni RT 3",
            kind="pos",
            parent_id=seruni.id,
        )
        person = Person(full_name="Yuliana Ding", role="cadre")
        session.add_all([pos, person])
        await session.flush()
        session.add(
            Cadre(person_id=person.id, posyandu_id=pos.id, position="anggota", verification="pending")
        )
    await agustina.say("/ajukanverifikasi")
    assert "❌ Kader terverifikasi: 1, menunggu verifikasi: 1" in agustina.text
    assert "✅ Dokumen struktur" in agustina.text and "✅ Pengurus lengkap" in agustina.text
    assert "✅ Enam bidang SPM dilayani" in agustina.text
    assert await state_of(kaderbot, SERUNI) is None

    # Only the ketua submits.
    nurhayati = Chat(kaderbot.core, "nurhayati")  # sekretaris of Kasih Ibu
    await nurhayati.say("/ajukanverifikasi")
    assert "dilakukan oleh ketua Posyandu" in nurhayati.text


async def test_submitted_returned_with_a_reason_then_verified_the_ketua_told_each_time(
    kaderbot: KaderBot, clock: Clock
) -> None:
    await complete(
        kaderbot, SERUNI, ["pendidikan", "kesehatan", "trantibumlinmas", "sosial"], "sekretaris", "bendahara"
    )
    agustina = Chat(kaderbot.core, "agustina")
    await agustina.say("/posyandu")  # the ketua's profile offers it; /ajukanverifikasi does the same
    await agustina.press("Ajukan verifikasi")
    assert "belum melayani bidang Pekerjaan umum" in agustina.question
    await agustina.press("Belum ada kader bidang ini")
    assert "belum melayani bidang Perumahan rakyat" in agustina.question
    await agustina.say("ok")  # too short: asked again
    assert "ketik alasan 3–200 huruf" in agustina.text
    await agustina.say("Ditangani desa lewat program RTLH")
    assert "Ajukan Posyandu Seruni untuk verifikasi Posyandu 6 SPM?" in agustina.question
    assert "(Belum ada kader bidang ini)" in agustina.question
    await agustina.press("Ajukan")
    assert "Posyandu Seruni sudah diajukan untuk verifikasi" in agustina.text
    row = await state_of(kaderbot, SERUNI)
    assert row is not None and row.status == "submitted"
    assert row.checklist["reasons"]["perumahan_rakyat"] == "Ditangani desa lewat program RTLH"
    await agustina.say("/posyandu")  # while the DPMD has it, there is nothing to submit
    assert "Verifikasi DPMD: sedang diperiksa" in agustina.question
    assert not [label for label in agustina.labels if "Ajukan verifikasi" in label]

    marlina = Chat(kaderbot.core, "marlina")
    await marlina.say("/verifposyandu")
    assert marlina.question == "1 Posyandu menunggu verifikasi 6 SPM. Pilih satu:"
    await marlina.press("Posyandu Seruni")
    assert "Diajukan oleh Agustina Laing" in marlina.question
    assert "❌ Dokumen struktur terbaca dan sesuai" in marlina.question
    await marlina.press("Verifikasi")  # the verifier has not judged the document legible yet
    assert "Belum dapat diverifikasi: dokumen terbaca belum terpenuhi." in marlina.text
    await marlina.press("Kembalikan")
    await marlina.press("Dokumen struktur tidak terbaca")
    assert "Posyandu Seruni dikembalikan kepada ketua" in marlina.text
    assert (await state_of(kaderbot, SERUNI)).status == "returned"  # type: ignore[union-attr]
    told = await notices(kaderbot, "agustina")
    assert told == [
        "↩️ Pengajuan verifikasi Posyandu Seruni dikembalikan.\nAlasan: Dokumen struktur tidak terbaca\n"
        "Mohon perbaiki lalu ajukan lagi dengan /ajukanverifikasi."
    ]

    # Submitted again: the reasons given before are kept.
    await agustina.say("/ajukanverifikasi")
    assert "Ajukan Posyandu Seruni" in agustina.question
    await agustina.press("Ajukan")
    await marlina.say("/verifposyandu")
    await marlina.press("Posyandu Seruni")
    await marlina.press("Dokumen terbaca")
    assert "✅ Dokumen struktur terbaca dan sesuai" in marlina.question
    await marlina.press("Verifikasi")
    assert "✅ Posyandu Seruni terverifikasi." in marlina.text
    assert "Tidak ada Posyandu yang menunggu verifikasi" in marlina.text
    row = await state_of(kaderbot, SERUNI)
    assert row is not None and row.status == "verified" and row.decided_at == clock.now
    await agustina.say("/posyandu")
    assert not [label for label in agustina.labels if "Ajukan verifikasi" in label]
    assert row.checklist["items"]["legible"] is True
    assert [
        t for t in await notices(kaderbot, "agustina") if "sudah diverifikasi sebagai Posyandu 6 SPM" in t
    ]
    assert await audit_actions(kaderbot) == [
        ("Agustina Laing", "posyandu.submit"),
        ("Marlina Ibau", "posyandu.return"),
        ("Agustina Laing", "posyandu.submit"),
        ("Marlina Ibau", "posyandu.verify"),
    ]
    await agustina.say("/ajukanverifikasi")
    assert "sudah terverifikasi" in agustina.text


async def test_other_regions_and_residents_cannot_decide(kaderbot: KaderBot, clock: Clock) -> None:
    await complete(kaderbot, SERUNI, SIX, "sekretaris", "bendahara")
    agustina = Chat(kaderbot.core, "agustina")
    await agustina.say("/ajukanverifikasi")
    await agustina.press("Ajukan")
    yohana = Chat(kaderbot.core, "yohana")  # Balikpapan
    await yohana.say("/verifposyandu")
    assert "Tidak ada Posyandu yang menunggu verifikasi di wilayah Bapak/Ibu" in yohana.text
    siti = Chat(kaderbot.core, "siti")  # Kukar: sees Kasih Ibu (demo), not Seruni (Bulungan)
    await siti.say("/verifposyandu")
    assert siti.labels == ["Posyandu Kasih Ibu (Loa Ipuh)", "🏠 Menu"]
    # A forged button for Seruni on Siti's list is refused; nothing is decided.
    await siti.press_payload(f"{siti.choice.turn}.p{await posyandu_id(kaderbot, SERUNI)}")
    assert "Seruni" not in siti.text
    sari = Chat(kaderbot.core, "sari")  # a cadre
    await sari.say("/verifposyandu")
    assert "Posyandu menunggu" not in sari.text
    assert (await state_of(kaderbot, SERUNI)).status == "submitted"  # type: ignore[union-attr]
    assert [a for a in await audit_actions(kaderbot) if a[1] != "posyandu.submit"] == []


async def institutions(kaderbot: KaderBot, region: str) -> int:
    async with kaderbot.db.sessions() as session:
        return (
            await session.execute(
                select(func.count()).where(
                    Posyandu.parent_id.is_(None),
                    Posyandu.status == "active",
                    under(Posyandu.region_code, region),
                )
            )
        ).scalar_one()


async def test_the_recap_counts_against_the_deadline_in_rekap_and_the_workbook(
    kaderbot: KaderBot, clock: Clock
) -> None:
    async with kaderbot.db.sessions() as session, session.begin():  # Teratai (Loa Kulu) was returned
        await posyandu_verification.seed(
            session, {await posyandu_id(kaderbot, TERATAI): "returned"}, by=None, now=clock.now
        )
    kukar, tenggarong, loa_kulu = [
        await institutions(kaderbot, code) for code in ("64.02", "64.02.06", "64.02.02")
    ]
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/rekap 2026-10")
    await siti.press("Verifikasi Posyandu 6 SPM")
    text = siti.text
    assert "🏛️ Verifikasi Posyandu 6 SPM — Kutai Kartanegara" in text
    assert "Batas verifikasi: 30 Juni 2025 (sudah lewat 508 hari)" in text
    # Melati 1 verified (in the demo, in 2026: after the deadline), Kasih Ibu submitted, Teratai returned.
    assert (
        f"Terdaftar {kukar} · belum diajukan {kukar - 3} · diajukan 1 · dikembalikan 1 · "
        "terverifikasi 1 (lewat batas: 1)"
    ) in text
    assert (
        f"• Tenggarong: 1/{tenggarong} terverifikasi, 1 diajukan, 0 dikembalikan, {tenggarong - 2} belum"
        in text
    )
    assert f"• Loa Kulu: 0/{loa_kulu} terverifikasi, 0 diajukan, 1 dikembalikan, {loa_kulu - 1} belum" in text
    [picture] = [r for r in siti.replies if isinstance(r, File)]
    assert picture.kind == "photo" and picture.data.startswith(b"\x89PNG")
    await siti.press("Tenggarong")  # a kecamatan in turn
    assert "🏛️ Verifikasi Posyandu 6 SPM — Tenggarong" in siti.text
    assert "• Melayu: 1/" in siti.text and "• Loa Ipuh: 0/" in siti.text

    await siti.say("/ekspor 2026-10")
    [document] = [r for r in siti.replies if isinstance(r, File)]
    book = openpyxl.load_workbook(io.BytesIO(document.data))
    sheet = book["Verifikasi 6 SPM"]
    rows = {row[1]: row for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert sheet["A1"].value == "Batas verifikasi" and sheet["B1"].value.date() == dt.date(2025, 6, 30)
    header = list(rows["Wilayah"])
    assert header[2:] == [
        "Terdaftar",
        "Belum diajukan",
        "Diajukan",
        "Dikembalikan",
        "Terverifikasi",
        "Terverifikasi lewat batas",
    ]
    assert rows["Tenggarong"][:8] == ("64.02.06", "Tenggarong", tenggarong, tenggarong - 2, 1, 0, 1, 1)
    assert rows["Kutai Kartanegara"][2:8] == (kukar, kukar - 3, 1, 1, 1, 1)


async def test_the_deadline_is_a_setting(db_url: str, clock: Clock) -> None:
    settings = load_settings(database_url=db_url, posyandu_verification_deadline="2026-12-31")
    bot = build(settings, clock=clock, strict_messages=True)
    try:
        siti = Chat(bot.core, "siti")
        await siti.say("/rekap 2026-10")
        await siti.press("Verifikasi Posyandu 6 SPM")
        assert "Batas verifikasi: 31 Desember 2026 (41 hari lagi)" in siti.text
        assert re.search(r"terverifikasi 1 \(lewat batas: 0\)", siti.text)
    finally:
        await bot.close()


async def test_incentives_wait_for_the_posyandu_and_are_payable_once_it_is_verified(
    kaderbot: KaderBot, clock: Clock
) -> None:
    nurhayati = Chat(kaderbot.core, "nurhayati")  # Kasih Ibu: submitted, not yet verified
    await send_report(nurhayati, clock, wita(2026, 11, 4, 9, 0), month="Oktober 2026", day="9")
    clock.now = wita(2026, 11, 20, 10, 0)
    await nurhayati.say("/insentif")
    assert line(nurhayati.text, "Oktober 2026") == "⏳ Oktober 2026: menunggu verifikasi Posyandu (Rp250.000)"
    assert "sudah diajukan, sedang ditinjau koordinator" in nurhayati.text
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/insentif")
    await siti.press("Oktober 2026")
    assert "Nurhayati Lestari (Posyandu Kasih Ibu): menunggu verifikasi Posyandu" in siti.text
    assert "Memenuhi syarat: 0 kader" in siti.text

    # Rina (Teratai, never submitted), once verified herself, is told what her Posyandu still lacks.
    async with kaderbot.db.sessions() as session, session.begin():
        rina = (
            await session.execute(
                select(Cadre)
                .join(Person, Person.id == Cadre.person_id)
                .where(Person.full_name == "Rina Kusumawati")
            )
        ).scalar_one()
        rina.verification = "verified"
    rina_chat = Chat(kaderbot.core, "rina")
    await send_report(rina_chat, clock, wita(2026, 11, 4, 9, 0), month="Oktober 2026", day="13")
    clock.now = wita(2026, 11, 20, 10, 0)
    await rina_chat.say("/insentif")
    assert line(rina_chat.text, "Oktober 2026") == "⏳ Oktober 2026: menunggu verifikasi Posyandu (Rp250.000)"
    assert "Insentif menunggu verifikasi Posyandu Teratai sebagai Posyandu 6 SPM oleh DPMD" in rina_chat.text
    assert "❌ Dokumen struktur organisasi (SK) sudah diunggah" in rina_chat.text
    assert "❌ Pengurus belum lengkap: belum ada ketua, sekretaris, bendahara" in rina_chat.text

    # The coordinator verifies Kasih Ibu: Nurhayati's October becomes payable.
    await complete(kaderbot, KASIH_IBU, SIX, "ketua", "bendahara")
    await siti.say("/verifposyandu")
    await siti.press("Posyandu Kasih Ibu")
    await siti.press("Dokumen terbaca")
    await siti.press("Verifikasi")
    assert "✅ Posyandu Kasih Ibu terverifikasi." in siti.text
    await nurhayati.say("/insentif")
    assert line(nurhayati.text, "Oktober 2026") == "✅ Oktober 2026: memenuhi syarat (Rp250.000)"
    assert "menunggu verifikasi" not in nurhayati.text
    await siti.say("/insentif")
    await siti.press("Oktober 2026")
    assert "Memenuhi syarat: 1 kader (Rp250.000)" in siti.text and "Nurhayati" not in siti.text


async def test_a_posyandu_row_belongs_to_its_institution_for_incentives(
    kaderbot: KaderBot, clock: Clock
) -> None:
    """A pos pelayanan is verified with its lembaga (storage.repositories.posyandu_verification)."""
    async with kaderbot.db.sessions() as session, session.begin():
        melati = (await session.execute(select(Posyandu).where(Posyandu.code == "PY-6402-0001"))).scalar_one()
        pos = Posyandu(
            code="PY-6402-0001-P1", region_code=melati.region_code, name="Pos Melati RT 9", kind="pos"
        )
        pos.parent_id = melati.id
        lone = Posyandu(code="PY-6402-9999", region_code=melati.region_code, name="Posyandu Baru")
        session.add_all([pos, lone])
        await session.flush()
        ids = (melati.id, pos.id, lone.id)
    async with kaderbot.db.sessions() as session:
        assert await posyandu_verification.verified_rows(session, ids) == {ids[0], ids[1]}


async def test_the_verifier_opens_the_structure_document_from_the_media_store(
    db_url: str, clock: Clock, tmp_path: Path
) -> None:
    bot = build(
        load_settings(database_url=db_url, media_dir=tmp_path / "media"), clock=clock, strict_messages=True
    )
    try:
        pdf = b"%PDF-1.4\n% SK struktur Posyandu Seruni\n%%EOF\n"
        async with bot.db.sessions() as session, session.begin():
            seruni = (await session.execute(select(Posyandu).where(Posyandu.code == SERUNI))).scalar_one()
            assert bot.media is not None
            media = await bot.media.put(session, pdf, "application/pdf", kind="posyandu_document")
            session.add(PosyanduDocument(posyandu_id=seruni.id, media_id=media.id, doc_type="sk_struktur"))
        await add_pengurus(bot, SERUNI, "sekretaris", "bendahara")
        await serve(bot, SERUNI, SIX)
        agustina = Chat(bot.core, "agustina")
        await agustina.say("/ajukanverifikasi")
        await agustina.press("Ajukan")
        marlina = Chat(bot.core, "marlina")
        await marlina.say("/verifposyandu")
        await marlina.press("Posyandu Seruni")
        await marlina.press("Buka dokumen struktur")
        [sent] = [r for r in marlina.replies if isinstance(r, File)]
        assert sent.kind == "document" and sent.data == pdf and sent.caption == "Posyandu Seruni"
        assert "Daftar periksa:" in marlina.question  # the checklist again, to decide
    finally:
        await bot.close()
