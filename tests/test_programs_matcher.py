"""The matcher on questions as residents type them: slang, typos, shouting, and things it must not answer."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.settings import PROJECT_ROOT
from handlers.programs import Programs, load_normalizer
from handlers.programs.stem import english_variants, stem
from handlers.programs.topic_model import TopicModel

programs = Programs.load(PROJECT_ROOT / "locales")
normalizer = load_normalizer(PROJECT_ROOT / "locales")
THRESHOLD = programs.matcher.tuning.threshold


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("gmn cara daftar sekolah rakyat", "sekolah_rakyat"),
        ("sy blm dpt bansos knp ya", "dtsen"),
        ("brp santunan lansia", "santunan_pmks"),
        ("SEKOLAHHH RAKYATTT GRATISSS KAH???", "sekolah_rakyat"),
        # whether a payment came is the payment topic (where to check its status), whichever programme
        ("pkh tahap 3 udh cair blm min", "bansos_pencairan"),
        ("kartu kks sy ilang gmn ngurusnya", "bpnt"),
        ("desil sy brp ya", "dtsen"),
        ("kursi roda gratis utk nenek", "lansia_disabilitas"),
        ("bpjs pbi sy nonaktif", "pbi_jk"),
        ("how do i get a free wheelchair for my grandma", "lansia_disabilitas"),
        ("mau komplain pungli bansos", "pengaduan"),
    ],
)
def test_everyday_questions_find_their_topic(question: str, topic: str) -> None:
    match = programs.match(question)
    assert match.topic == topic, match.candidates[:3]
    assert match.score >= THRESHOLD


@pytest.mark.parametrize(
    "question",
    [
        "cuaca besok",
        "jadwal bola",
        "jadwal bola malam ini siapa main",
        "resep rendang padang",
        "halo",
        "",
        "???",
        "bpjs ketenagakerjaan cair kapan",
        "what's the weather tomorrow",
    ],
)
def test_questions_outside_social_services_get_no_topic(question: str) -> None:
    match = programs.match(question)
    assert match.topic is None
    assert 0.0 <= match.score < THRESHOLD


def test_below_the_threshold_it_offers_the_closest_topics_instead_of_guessing() -> None:
    match = programs.match("bantuan")  # too vague to answer
    assert match.topic is None
    assert 1 <= len(match.suggestions) <= 3
    assert set(match.suggestions) <= {topic for topic, _ in match.candidates}


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("bansos saya kok ga cair", "bansos_pencairan"),
        ("my bansos has not been paid", "bansos_pencairan"),
        ("santunan kematian kukar brp", "santunan_kematian"),
        ("gmn cara daftar pkh", "pkh"),
        ("pendaftaran dtsen lewat desa gmn", "dtsen_usulan"),
    ],
)
def test_questions_the_issue_found_misread(question: str, topic: str) -> None:
    assert programs.match(question).topic == topic


def test_sastrawi_and_chat_forms_fold_onto_the_same_root() -> None:
    assert stem("pendaftaran") == stem("mendaftarkan") == stem("daftarin") == "daftar"
    assert stem("pencairan") == stem("dicairin") == "cair"
    assert stem("ngurusnya") == "urus"
    assert stem("bansos") == "bansos"  # a word Sastrawi does not know stays as typed
    assert "flood" in english_variants("flooded") and "benefit" in english_variants("benefits")


def test_an_english_inflection_reads_as_the_plain_word_the_knowledge_base_uses() -> None:
    assert programs.matcher.terms("flooded houses") == programs.matcher.terms("flood house")


def test_a_question_on_a_new_subject_offers_nothing() -> None:
    assert programs.match("cuaca besok").suggestions == ()


def test_normaliser_reads_slang_stretching_and_reduplication() -> None:
    assert (
        normalizer.normalize("Gmn cara dpt bansos utk anak2 sy???")
        == "bagaimana cara dapat bansos untuk anak saya"
    )
    assert normalizer.normalize("tolonggg bangettt") == "tolong sekali"
    assert normalizer.normalize("santunan 200rb / Rp200.000") == "santunan 200 ribu 200 ribu"
    assert normalizer.normalize("data DTKS sy") == "data dtsen saya"  # DTKS is now DTSEN
    assert (
        normalizer.normalize("halo min, di Samarinda ya") == "di"
    )  # greetings, address, places carry nothing


def test_typos_are_read_as_the_nearest_known_word() -> None:
    assert programs.match("sekolh rakyat itu apa").topic == "sekolah_rakyat"
    assert programs.match("program keluarga harapn").topic == "pkh"


def test_scores_are_between_zero_and_one_and_candidates_are_ranked() -> None:
    for question in ("pkh", "bantuan lansia", "x", "kube kube kube kube"):
        match = programs.match(question)
        assert 0.0 <= match.score <= 1.0
        scores = [score for _, score in match.candidates]
        assert all(0.0 <= s <= 1.0 for s in scores)


def test_a_dictionary_word_is_not_read_as_a_typo() -> None:
    # "sabtu" (Saturday) is one letter from "sabu" (meth): a real word is never a misspelling.
    assert programs.match("jam buka bank bri sabtu").topic is None


def test_clitics_and_chat_prefixes_on_programme_words() -> None:
    assert programs.matcher.terms("bansosnya pkhku") == programs.matcher.terms("bansos pkh")
    assert stem("nyairin") == "cair"  # "ny-" stands for c-/s-, not "air"
    assert stem("ngurus") == "urus"  # after "ng-" the bare rest comes first


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("bansosnya blm turun2", "bansos_pencairan"),
        ("bansos durung cair", "bansos_pencairan"),  # Javanese "durung" = belum, not "dikurung"
        ("bantuan sy telat cair", "bansos_pencairan"),
        ("my social assistance is late again", "bansos_pencairan"),
        ("adik sy nyabu, bs direhab", "rehabilitasi"),
        ("beras bantuan bulog kapan dibagi", "bpnt"),
    ],
)
def test_the_weak_topics_of_the_heldout_counts(question: str, topic: str) -> None:
    assert programs.match(question).topic == topic


@pytest.mark.parametrize(
    ("question", "topic"),
    [  # sixth round: the classes holdout6 missed, in other words than its own
        ("anak saya autisme, ada bantuan terapi?", "lansia_disabilitas"),
        ("nenek sy mau dititip di panti jompo, caranya?", "lansia_disabilitas"),
        ("my son is autistic, is there support from the social office", "lansia_disabilitas"),
        ("is there a nursing home for poor elderly in Balikpapan", "lansia_disabilitas"),
        ("warga di pengungsian blm dapat air bersih, lapor kemana", "bencana"),
        ("pengemis di lampu merah itu dibina dinsos gak?", "rehabilitasi"),
        ("where do homeless street kids get help", "rehabilitasi"),
        ("my national id is not recognised when I register for aid", "adminduk"),
        # seventh round: the classes holdout7 missed (read once it became tuning data)
        ("am I registered as poor in the government data? how to check", "dtsen"),
        ("how do I get my parents added to the list for aid", "dtsen_usulan"),
        ("kami pindah alamat ke balikpapan, bansosnya ikut pindah gak", "adminduk"),
        ("ada gak kantor di desa buat urus masalah sosial warga", "puskesos"),
        ("banjir udh surut tp barang hanyut semua, bantuan ke mana", "bencana"),
        # eighth round: the classes holdout8 missed (read once it became tuning data); the first
        # five failed before it (the keywords, Banjar words, the model's lower floors)
        ("how can I find out if the money already came in", "bansos_pencairan"),
        ("anak sy dikasari pacarnya, mau konsultasi ke mana", "kekerasan_ppa"),
        ("nini ulun sudah tuha kada kawa bagawi, ada bantuan kah", "lansia_disabilitas"),
        ("any news about the request I sent last month?", "pengaduan"),
        ("lapor jalan berlubang ke dinas pupr gimana", None),
        ("dulu tiap tahap selalu masuk, sekarang udah 3 bulan kosong", "bansos_pencairan"),
        ("penerima pkh apa boleh masuk kelompok kube juga?", "kube"),
        # ninth round: the classes holdout9 missed (read once it became tuning data)
        ("baby missed the measles shot last month, can we still get it", "posyandu"),
        ("zakat fitrah disalurkan lewat mana ya", None),
        ("kelompok istri nelayan mau modal usaha bersama", "kube"),
        # tenth round: the classes holdout10 missed; both failed before it
        ("kenapa sekarang ambil bantuannya harus ke kantor pos", "bansos_pencairan"),
        ("we are newcomers here and not in any data yet, where to start", "dtsen_usulan"),
        # eleventh round: the classes holdout11 missed; all four failed before it
        ("bisa minta sktm lewat bot ini?", "pengaduan"),
        ("any help buying school uniforms for my son?", "pip_kip"),
        ("has my pkh money been disbursed yet", "bansos_pencairan"),
        ("bpnt sy 3 periode kosong terus", "bansos_pencairan"),
        # twelfth round: the classes holdout12 missed; the first four failed before it, the fifth
        # (already answered so in these words) guards its class
        ("bantuan sembako bulan ini sudah bisa diambil atau belum", "bansos_pencairan"),
        ("pkh ibu saya dihentikan padahal masih miskin, kenapa", "bansos_pencairan"),
        ("gelandangan yg tidur di emperan toko bisa dibawa ke panti rehab?", "rehabilitasi"),
        ("do cadres get any allowance?", "kader"),
        ("status di aplikasi sudah tersalurkan, tp uangnya blm ada", "bansos_pencairan"),
        # thirteenth round: the classes holdout13 missed; all five failed before it
        ("sy terima pkh tp bpnt nya gak dapat, kenapa bisa gitu", "bpnt"),
        ("blt kesra kapan turunnya bu", "bansos_pencairan"),
        ("kk kami baru dipisah dari mertua, cara masuk dtsen gimana", "dtsen_usulan"),
        ("ulun handak mangadu, operator desa kada mau mengusulkan kami", "pengaduan"),
        ("partai bagi2 sembako pas kampanye, itu dari dinsos?", None),
        # fourteenth round: the classes holdout14 missed; all three failed before it
        ("kades motong blt 100rb per orang, itu boleh?", "pengaduan"),
        ("pak RT pilih kasih, cuma kerabatnya yg diusulin, sy mau protes", "pengaduan"),
        ("cara ngisi format sip posyandu yg baru", "kader"),
        # fifteenth round: the classes holdout15 missed; all three failed before it
        ("undangan pengambilan bansos sy gak bisa datang, boleh diwakili anak?", "bansos_pencairan"),
        ("contoh pengisian laporan skdn ada?", "kader"),
        ("ketua rt nyimpen atm kks punya warga, itu benar?", "pengaduan"),
        # sixteenth round: the classes holdout16 missed; all three failed before it
        ("gimana cara masukin hasil penimbangan ke aplikasi, sy kurang paham hp", "kader"),
        ("pendamping pkh kami susah sekali dihubungi, mau lapor ke siapa", "pengaduan"),
        ("bendahara kelompok nahan kartu atm kami semua, boleh gitu?", "pengaduan"),
        # seventeenth round: the classes holdout17 missed; all three failed before it
        ("kks sy hilang pas pindahan, bisa dibuat lagi?", "bansos_pencairan"),
        # (a card blocked by a wrong PIN is BPNT's since the twenty-first round's decision below; the
        # twenty-third round's retrain was the first to answer it so)
        ("my card was blocked after I typed the wrong pin three times", "bpnt"),
        ("what is stunting and how do I check my baby", "posyandu"),
        # eighteenth round: the classes holdout18 missed; all three failed before it (a KKS card's
        # troubles are the payment topic's: "kks" is no longer a BPNT keyword)
        ("kartu kks ibu patah, masih bisa dipakai ambil bantuan?", "bansos_pencairan"),
        ("kk kami hilang kena banjir, bisa dicetak ulang?", "adminduk"),
        ("aparat desa minta uang supaya nama kami dimasukkan ke daftar bantuan", "pengaduan"),
        # nineteenth round: the classes holdout19 missed; all three failed before it (a cadre's monthly
        # report is the cadre topic's; the data BLT Dana Desa uses; a lost KKS card)
        ("rekap laporan posyandu tiap bulan diserahkan ke mana", "kader"),
        ("blt desa itu pakai data dtsen atau data dari desa sendiri", "blt_dana_desa"),
        ("kartu kks saya hilang, bantuannya gimana", "bansos_pencairan"),
        # twentieth round: the classes holdout20 missed; all three failed before it (a KKS card's
        # balance; checking one's name on the Cek Bansos website; the outreach team is the TRC's)
        ("bisa cek saldo kks dari hp gak", "bansos_pencairan"),
        ("cara cek bansos lewat website kemensos", "dtsen"),
        ("kalau ada anak jalanan ngemis, dinsos punya tim penjangkauan?", "trc"),
        # twenty-first round: the classes holdout21 missed; the first failed before it, the other two
        # are guards. Replacing or unblocking a KKS card (lost, broken, swallowed, PIN) is BPNT's again:
        # the writers of the sets labelled 49 such questions bpnt and 15 the payment topic. Asked as
        # "and my aid?" (the eighteenth and nineteenth rounds' lines above), or a balance or aid not
        # coming, it stays with the payment topic.
        ("kks ibu ketelan mesin atm, gmn ngurus kartu barunya", "bpnt"),
        ("ikd itu wajib dibuat gak", "adminduk"),
        ("agen e-warong curang, saldo berkurang sendiri, lapor ke mana", "pengaduan"),
    ],
)
def test_the_classes_holdout6_to_holdout21_missed(question: str, topic: str | None) -> None:
    assert programs.match(question).topic == topic


def test_a_vague_question_is_not_answered_on_the_models_lower_floor() -> None:
    """The model answers at p >= 0.3 when the keywords found nothing, but a question the keywords
    found too vague ("bantuan": several topics as close) needs p >= 0.8: it gets suggestions."""
    model = TopicModel.cached(PROJECT_ROOT / "locales")  # the shipped file's floors
    assert model is not None and model.threshold < model.vague
    topic, p = model.best("bantuan")
    assert topic != "-" and model.threshold <= p < model.vague  # the lower floor alone would answer it
    match = programs.match("bantuan")
    assert match.topic is None and match.suggestions


def test_topics_as_close_as_each_other_are_offered_in_the_same_order_on_every_run() -> None:
    """Candidates tied on confidence fall back on the ranking, then on the knowledge base's order —
    never on the order of a set, which changes with the interpreter's hash seed from one run to the
    next ("apa itu trafficking di?" ranks sekolah_rakyat and pip_kip equal)."""
    script = (
        "from bot.settings import PROJECT_ROOT\n"
        "from handlers.programs import Programs\n"
        "p = Programs.load(PROJECT_ROOT / 'locales')\n"
        "for q in ('apa itu trafficking di?', 'kube itu apa', 'mayat hidup itu film apa ya judulnya'):\n"
        "    print(p.match(q).candidates)\n"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=PROJECT_ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("0", "1", "2")
    }
    assert len(runs) == 1, runs
