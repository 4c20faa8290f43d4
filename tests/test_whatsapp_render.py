"""Rendering the core's replies within WhatsApp's limits (the pure rules), with the real catalogues."""

from __future__ import annotations

import pytest

from bot.channels.whatsapp_render import (
    BUTTON_TITLE_LIMIT,
    INTERACTIVE_BODY_LIMIT,
    LIST_ROWS_MAX,
    ROW_DESCRIPTION_LIMIT,
    ROW_TITLE_LIMIT,
    TEXT_LIMIT,
    Labels,
    WaButtons,
    WaList,
    WaMedia,
    WaText,
    page_spans,
    render,
    shorten,
    split_text,
)
from bot.settings import load_settings
from handlers.i18n import Catalogues
from handlers.types import Choice, ClearOptions, File, Option, Text

KECAMATAN = (
    "Anggana",
    "Kembang Janggut",
    "Kenohan",
    "Kota Bangun",
    "Kota Bangun Darat",
    "Loa Janan",
    "Loa Kulu",
    "Marang Kayu",
    "Muara Badak",
    "Muara Jawa",
    "Muara Kaman",
    "Muara Muntai",
    "Muara Wis",
    "Samboja",
)


@pytest.fixture(scope="module")
def labels() -> Labels:
    catalogues = Catalogues.load(load_settings().locales_dir, strict=True)
    return Labels.from_translator(catalogues.translator("id"))


def choice(count: int, *, page: int = 0, numbered: bool = True, text: str = "Pilih kecamatan:") -> Choice:
    names = [KECAMATAN[i % len(KECAMATAN)] + ("" if i < len(KECAMATAN) else f" {i}") for i in range(count)]
    options = tuple(Option(f"7.k{i}", name) for i, name in enumerate(names))
    return Choice(text, options, page=page, turn="7", numbered=numbered)


def only_list(messages: list) -> WaList:
    (message,) = messages
    assert isinstance(message, WaList)
    return message


# ---------------------------------------------------------------------- lists


def test_seven_options_are_one_list_with_numbered_rows(labels: Labels) -> None:
    listed = only_list(render([choice(7)], labels))
    assert listed.body == "Pilih kecamatan:"
    assert (listed.button, listed.section) == ("Pilih", "Pilihan")
    assert [r.title for r in listed.rows] == [f"{n}. {name}" for n, name in enumerate(KECAMATAN[:7], 1)]
    assert [r.id for r in listed.rows] == [f"7.k{i}" for i in range(7)]  # the core's payloads, verbatim


def test_fourteen_options_are_paged_with_more_and_previous_rows(labels: Labels) -> None:
    first = only_list(render([choice(14)], labels))
    assert len(first.rows) == LIST_ROWS_MAX
    assert [r.title for r in first.rows[:9]] == [f"{n}. {name}" for n, name in enumerate(KECAMATAN[:9], 1)]
    more = first.rows[-1]
    assert (more.id, more.title, more.description) == ("7~1", "Lainnya…", "Pilihan 10–14 dari 14")
    assert first.section == "Halaman 1/2"

    second = only_list(render([choice(14, page=1)], labels))
    back = second.rows[0]
    assert (back.id, back.title, back.description) == ("7~0", "◀ Sebelumnya", "Pilihan 1–9 dari 14")
    assert [r.title for r in second.rows[1:]] == [f"{n}. {KECAMATAN[n - 1]}" for n in range(10, 15)]
    assert second.section == "Halaman 2/2"


def test_a_page_out_of_range_shows_the_nearest_page(labels: Labels) -> None:
    assert only_list(render([choice(14, page=9)], labels)).section == "Halaman 2/2"
    assert only_list(render([choice(14, page=-1)], labels)).section == "Halaman 1/2"


def test_middle_pages_carry_both_navigation_rows(labels: Labels) -> None:
    middle = only_list(render([choice(21, page=1)], labels))
    titles = [r.title for r in middle.rows]
    assert titles[0] == "◀ Sebelumnya" and titles[-1] == "Lainnya…"
    assert titles[1].startswith("10. ") and titles[-2].startswith("17. ")
    assert len(middle.rows) == LIST_ROWS_MAX


def test_pages_cover_every_option_once_within_ten_rows() -> None:
    for count in range(1, 100):
        spans = page_spans(count)
        covered = [i for first, last in spans for i in range(first, last)]
        assert covered == list(range(count)), count
        for page, (first, last) in enumerate(spans):
            navigation = (page > 0) + (page < len(spans) - 1)
            assert 0 < last - first and last - first + navigation <= LIST_ROWS_MAX, (count, page)


def test_a_long_label_keeps_its_number_and_shows_in_full_in_the_description(labels: Labels) -> None:
    long = "Posyandu Anggrek II — Sukarame, Tenggarong"
    options = (
        Option("3.a", "Lapor kegiatan bulanan"),
        Option("3.b", long),
        Option("3.c", "Tentang KaderBot", "Apa itu KaderBot"),
        Option("3.d", "Ganti bahasa"),
    )
    listed = only_list(render([Choice("Menu", options, turn="3")], labels))
    report, posyandu, about, language = listed.rows
    # "1. Lapor kegiatan bulanan" is 25 characters: the label keeps the title, the number moves.
    assert (report.title, report.description) == ("Lapor kegiatan bulanan", "Ketik 1")
    assert posyandu.title.startswith("2. Posyandu") and posyandu.title.endswith("…")
    assert posyandu.description == long
    assert (about.title, about.description) == ("3. Tentang KaderBot", "Apa itu KaderBot")
    assert language.description is None
    for row in listed.rows:
        assert len(row.title) <= ROW_TITLE_LIMIT
        assert row.description is None or len(row.description) <= ROW_DESCRIPTION_LIMIT


def test_unnumbered_lists_have_no_numbers(labels: Labels) -> None:
    listed = only_list(render([choice(5, numbered=False)], labels))
    assert [r.title for r in listed.rows] == list(KECAMATAN[:5])


# ---------------------------------------------------------------------- buttons


def test_up_to_three_options_are_reply_buttons(labels: Labels) -> None:
    (buttons,) = render([choice(3)], labels)
    assert isinstance(buttons, WaButtons)
    assert [(b.id, b.title) for b in buttons.buttons] == [
        ("7.k0", "Anggana"),
        ("7.k1", "Kembang Janggut"),
        ("7.k2", "Kenohan"),
    ]
    assert buttons.body == "Pilih kecamatan:"


def test_long_button_titles_are_cut_at_a_word_unique_and_listed_in_full(labels: Labels) -> None:
    options = (
        Option("4.a", "Ya, di tempat biasa seperti bulan lalu"),
        Option("4.b", "Ya, di tempat biasa tetapi jam berbeda"),
        Option("4.c", "Tidak"),
    )
    (buttons,) = render([Choice("Apakah Posyandu dilaksanakan?", options, turn="4")], labels)
    assert isinstance(buttons, WaButtons)
    titles = [b.title for b in buttons.buttons]
    assert titles == ["Ya, di tempat biasa…", "Ya, di tempat… (2)", "Tidak"]
    assert all(len(t) <= BUTTON_TITLE_LIMIT for t in titles)
    assert len({t.casefold() for t in titles}) == 3
    assert buttons.body.endswith(
        "\n\n1. Ya, di tempat biasa seperti bulan lalu\n2. Ya, di tempat biasa tetapi jam berbeda\n3. Tidak"
    )


def test_a_number_question_shows_its_back_button_without_numbers(labels: Labels) -> None:
    question = Choice(
        "(4/17) S — jumlah balita?", (Option("g._back", "◀ Kembali"),), turn="g", numbered=False
    )
    (buttons,) = render([question], labels)
    assert isinstance(buttons, WaButtons)
    assert [b.title for b in buttons.buttons] == ["◀ Kembali"]
    assert buttons.body == "(4/17) S — jumlah balita?"


def test_a_question_too_long_for_buttons_goes_first_as_text(labels: Labels) -> None:
    long = "Persetujuan data pribadi. " * 60
    messages = render(
        [Choice(long, (Option("2.y", "Setuju"), Option("2.n", "Tidak setuju")), turn="2")], labels
    )
    *texts, buttons = messages
    assert all(isinstance(t, WaText) for t in texts)
    assert " ".join(t.body for t in texts if isinstance(t, WaText)).split() == long.split()
    assert isinstance(buttons, WaButtons) and buttons.body == "Silakan pilih:"
    assert len(long) > INTERACTIVE_BODY_LIMIT


# ---------------------------------------------------------------------- texts and files


def test_short_texts_join_the_question_on_one_screen(labels: Labels) -> None:
    messages = render([Text("Foto diterima (1/5)."), ClearOptions(), choice(2)], labels)
    (buttons,) = messages
    assert isinstance(buttons, WaButtons)
    assert buttons.body == "Foto diterima (1/5).\n\nPilih kecamatan:"


def test_a_long_text_before_a_question_stays_separate(labels: Labels) -> None:
    before = "x " * 600
    text, listed = render([Text(before), choice(5)], labels)
    assert isinstance(text, WaText) and text.body == before.strip()
    assert isinstance(listed, WaList) and listed.body == "Pilih kecamatan:"


def test_text_is_split_under_4096_characters_at_paragraphs() -> None:
    paragraphs = [f"Paragraf {i}: " + "kata " * 150 for i in range(20)]
    text = "\n\n".join(paragraphs)
    parts = split_text(text)
    assert len(parts) > 1
    assert all(len(p) <= TEXT_LIMIT for p in parts)
    assert all(p.startswith("Paragraf") for p in parts)  # no paragraph is broken in two
    assert " ".join(parts).split() == text.split()


def test_a_text_without_spaces_is_cut_hard() -> None:
    parts = split_text("a" * 9000)
    assert [len(p) for p in parts] == [4096, 4096, 808]


def test_shorten_cuts_at_a_word_and_marks_the_cut() -> None:
    assert shorten("8 November 2026 (jadwal biasa)", 20) == "8 November 2026…"
    assert shorten("Anggana", 20) == "Anggana"
    assert shorten("Supercalifragilisticexpialidocious", 10) == "Supercali…"


def test_files_become_media_with_captions(labels: Labels) -> None:
    photo = File("photo", "grafik.png", b"png", caption="Grafik SKDN", mime_type="image/png")
    document = File("document", "laporan.xlsx", b"xlsx", caption="x" * 1500)
    image, doc, caption = render([photo, document], labels)
    assert image == WaMedia("image", b"png", "grafik.png", "Grafik SKDN", "image/png")
    assert isinstance(doc, WaMedia) and doc.kind == "document" and doc.caption is None
    assert isinstance(caption, WaText) and caption.body == "x" * 1500
