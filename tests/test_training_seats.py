"""Trainings: a coordinator creates one; cadres of the region sign up while the quota lasts, then
join the waitlist; a cancellation moves the first waitlisted up and tells them; attendance recorded
by the coordinator puts a certified training in the cadre's /sertifikat; reminders D-7, D-1 and the
morning of, to registered cadres only."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import KaderBot
from storage.models_scheduling import Reminder
from tests.chat import Chat, Clock
from tests.test_scheduler_reminders import dispatcher, notices, person_id, wita

TITLE = "Pelatihan Kader Posyandu 6 SPM"


async def create_training(
    siti: Chat, *, title: str = TITLE, certified: bool = True, date: str = "3/12/2026", quota: str = "1"
) -> None:
    await siti.say("/pelatihan_baru")
    await siti.say(title)
    await siti.press("Ya, bersertifikat" if certified else "Tidak")
    await siti.say(date)
    await siti.press("09.00")
    await siti.say("Aula Dinas Kesehatan Kukar, Tenggarong")
    await siti.say(quota)
    await siti.press("Seluruh Kutai Kartanegara")
    assert "Kuota: " + quota in siti.text
    await siti.press("Kirim")
    assert f'Pelatihan "{title}" dibuat' in siti.text


async def sign_up(chat: Chat, title: str = TITLE) -> str:
    await chat.say("/pelatihan")
    await chat.press(title)
    await chat.press("Daftar")
    return chat.text


async def test_quota_waitlist_cancellation_attendance_and_certificate(
    kaderbot: KaderBot, clock: Clock
) -> None:
    siti, sari, nurhayati, rina = (
        Chat(kaderbot.core, name) for name in ("siti", "sari", "nurhayati", "rina")
    )
    await create_training(siti, quota="1")

    assert "Pendaftaran berhasil" in await sign_up(sari)
    assert "Sisa tempat: 0 dari 1" in sari.text
    assert "daftar tunggu urutan 1" in await sign_up(nurhayati)
    assert "daftar tunggu urutan 2" in await sign_up(rina)

    await siti.say("/pelatihan")
    await siti.press(TITLE)
    assert "Terdaftar: 1/1 · daftar tunggu: 2" in siti.text
    assert "Nurhayati Lestari ⏳ daftar tunggu" in siti.text
    assert "Catat kehadiran" not in " ".join(siti.labels)  # not before the training's day

    await sari.press("Batalkan pendaftaran")
    assert "Pendaftaran dibatalkan" in sari.text
    assert await notices(kaderbot, "nurhayati") == [
        '🎉 Kabar baik! Ada tempat kosong: Bapak/Ibu sekarang terdaftar di pelatihan "Pelatihan Kader '
        'Posyandu 6 SPM" (3 Desember 2026 09.00 WITA). Jika berhalangan, batalkan lewat /pelatihan.'
    ]
    await nurhayati.say("/pelatihan")
    assert nurhayati.labels[0] == f"✅ {TITLE}"
    assert await notices(kaderbot, "rina") == []  # second in line: still waiting, now first
    await rina.say("/pelatihan")
    await rina.press(TITLE)
    assert "Bapak/Ibu di daftar tunggu, urutan 1" in rina.text

    clock.now = wita(2026, 12, 3, 12, 0)  # the afternoon of the training
    await siti.say("/pelatihan")
    await siti.press(TITLE)
    await siti.press("Catat kehadiran")
    assert siti.labels == ["⬜ Nurhayati Lestari", "💾 Selesai"]  # Sari cancelled: not on the list
    await siti.press("Nurhayati")
    assert siti.labels[0] == "✅ Nurhayati Lestari"
    await siti.press("Selesai")
    assert "1 kader hadir" in siti.text

    await nurhayati.say("/sertifikat")
    assert f"• {TITLE} — 3 Desember 2026, Aula Dinas Kesehatan Kukar, Tenggarong" in nurhayati.text
    await sari.say("/sertifikat")
    assert "Belum ada pelatihan bersertifikat" in sari.text


async def test_an_uncertified_training_gives_no_certificate(kaderbot: KaderBot, clock: Clock) -> None:
    siti, sari = Chat(kaderbot.core, "siti"), Chat(kaderbot.core, "sari")
    await create_training(siti, title="Rapat koordinasi kader", certified=False, quota="5")
    await sign_up(sari, "Rapat koordinasi kader")
    clock.now = wita(2026, 12, 3, 12, 0)
    await siti.say("/pelatihan")
    await siti.press("Rapat koordinasi kader")
    await siti.press("Catat kehadiran")
    await siti.press("Sari")
    await siti.press("Selesai")
    await sari.say("/sertifikat")
    assert "Belum ada pelatihan bersertifikat" in sari.text


async def test_cadres_outside_the_region_do_not_see_it_and_cadres_cannot_create_one(
    kaderbot: KaderBot, clock: Clock
) -> None:
    await create_training(Chat(kaderbot.core, "siti"))
    dewi = Chat(kaderbot.core, "dewi")  # Balikpapan
    await dewi.say("/pelatihan")
    assert "Belum ada pelatihan" in dewi.text
    yohana = Chat(kaderbot.core, "yohana")  # Balikpapan's coordinator
    await yohana.say("/pelatihan")
    assert TITLE not in " ".join(yohana.labels)
    sari = Chat(kaderbot.core, "sari")
    await sari.say("/pelatihan_baru")
    assert "bukan untuk peran Bapak/Ibu" in sari.text and "judul" not in sari.text


async def test_training_reminders_d7_d1_and_the_morning_go_to_registered_cadres_only(
    kaderbot: KaderBot, clock: Clock
) -> None:
    siti, sari, nurhayati = (Chat(kaderbot.core, name) for name in ("siti", "sari", "nurhayati"))
    await create_training(siti, date="10/12/2026", quota="5")
    await sign_up(sari)
    await sign_up(nurhayati)
    await nurhayati.press("Batalkan pendaftaran")

    moments = (wita(2026, 12, 3, 9, 0), wita(2026, 12, 9, 9, 0), wita(2026, 12, 10, 6, 0))
    for when in moments:
        clock.now = when
        await dispatcher(kaderbot, clock).run_once()
    texts = [t for t in await notices(kaderbot, "sari") if TITLE in t]
    assert len(texts) == 3
    assert "tinggal 7 hari lagi: 10 Desember 2026 09.00 WITA" in texts[0]
    assert texts[1].startswith("🎓 Besok pelatihan") and texts[2].startswith("🎓 Hari ini pelatihan")
    assert "pukul 09.00 WITA" in texts[2]
    assert not [t for t in await notices(kaderbot, "nurhayati") if TITLE in t]

    async with kaderbot.db.sessions() as session:
        due = (
            await session.execute(
                select(Reminder.due_at)
                .where(
                    Reminder.kind == "training",
                    Reminder.person_id == await person_id(kaderbot, "Sari Wulandari"),
                )
                .order_by(Reminder.due_at)
            )
        ).scalars()
        assert [d.hour for d in due] == [1, 1, 22]  # 09:00, 09:00 and 06:00 WITA in UTC
