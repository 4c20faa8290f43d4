"""Is someone in danger? A fast rule-based detector over a vocabulary kept as data.

`locales/*/danger.yaml` hold the words: slang and regional spellings mapped to standard words,
named concept lists (hurting verbs, people, danger signs of a pregnancy, …), rules that combine
concepts into a kind of danger, and context markers (urgent, handled, past, training, rules, news,
hypothetical, none, fiction). Reading the words (normalising, sentences, slang, informal affixes,
typos forgiven, the per-word cache) is handlers/safety/words.py; this module judges what was read: it
finds the vocabulary's terms, applies the rules and reads the context. A message costs a few dozen
microseconds.

Beyond single danger words, the vocabulary names concepts and the rules combine them, so that the
ways a danger is said generalise beyond the corpora's own words: self-reference + an ending at the
end of a sentence ("besok aku sudah tidak ada."), a departure + a farewell or affairs put in order,
means + hoarding ("obat … kukumpulin … kuminum sekaligus"), a pregnancy + a danger sign of the KIA
book, a baby + breathing signs, a child + a work offer + a fake address, a boat + not back, …

Context words count only in the sentence that says the danger ("data bulan lalu sudah saya kirim.
Tolong, bayi ini kejang" is no note about the past), and so do a rule's "unless" words. A "handled"
word right after a request is a request ("tolong dievakuasi", "bantu padamkan"); a "past" word
right after "sudah/sejak" says it still goes on ("sudah bertahun-tahun dipasung"). A message that is
both handled and dated ("… sudah dipulangkan 2022") is a record even when its words are strong.

Figures of speech (the concept "idiom": "bunuh waktu", "gila kerja", "dying of laughter") hide the
danger words inside them; when they held all of a message's danger words, the message is read (no
danger), and the fallback overrules that only when it is all but certain (its BENIGN floor).

A phrase of the vocabulary still matches with one aspect or degree word inside it (the "filler"
words: "air makin naik", "jembatan sudah putus"). A question about someone else — "if" (or a
training's material), a question about the law or how to recognise it, nobody speaking of themselves,
nothing urgent and nothing saying how often — sets even a strong rule aside for the fallback ("apa
hukumnya kalau keluarga masih pasung ODGJ?"); an urgent-looking word right before a phrase naming the
media is how often one watched ("sering [lihat di tv]").

A rule may ask for its words in order (`ordered: true`): what follows an active "jual/sell" is what is
sold ("mau jual bayinya"), while a person before it is the seller ("anak saya jualan kue", "saya
mau jual motor buat bayar sekolah anak"). A feeding or growth problem that lasts (the concept
"chronic_feeding": "susah makan, berat badan turun") with no danger sign any rule names is a question
for the Posyandu: such a message is not passed to the fallback.

A chat message that no rule matched, or whose danger words the rules set aside only for a question,
title, news, fiction or "if…" (not for "handled/past"), goes to a trained fallback
(handlers/safety/model.py: character n-grams and logistic regression, pure Python at run time).
That model may also veto a weak or normal rule's chat alarm when it is very sure the message is
harmless (model.py: the veto; chosen by leave-one-corpus-out, handlers/safety/loco.py).

Contexts:

* ``chat`` (default): strong rules always count; a danger word counts unless the message reads as a
  question about rules, a training title, news, a hypothetical, fiction or a note that it was
  handled or long past — and an urgent word ("tolong", "sekarang", "help") overrides all of those
  except "handled/past".
* ``record``: free text that records the past or announces something (a monthly report's notes or
  not-held reason, a coordinator's notice, a training title). Only a strong statement (an intention
  to die, someone being hurt with an urgent word) or a danger word with a strict urgent word
  ("tolong", "darurat", "sekarang") counts, and never when it was handled or long past, nor when the
  danger's sentence names a month or the outcome ("closed": "bulan Mei", "korban sekarang aman",
  "… bayi sehat."): a note about the month is about a case already known. A training's title, the
  news or a story there sets even a strong statement aside, unless it is urgent or a person told of
  it ("disclosed": "setelah pelatihan, ibu R bilang mau bunuh diri"; not "warga yang bilang…", anyone
  at all, which is a training's material); a normal danger word a person told of counts when it
  keeps happening ("bu W mengaku dipukul suaminya tiap malam").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from handlers.safety.hashed import HashedStrings
from handlers.safety.model import NgramModel
from handlers.safety.words import END, TEXT_CHARS, WordReader, known_words, phrase_words

KINDS = ("suicide", "violence", "medical", "trafficking", "mental", "neglect", "disaster")
# Which kind comes first between rules of the same strength (its numbers head the answer): the one
# that names what is going on — a person trafficked, a mental-health crisis — before the violence that
# is part of it ("my brother hears voices and tried to strangle our mother": tenth round); a disaster
# before the injuries it causes ("our house collapsed, my mother is trapped under the roof": the writers
# of the held-out sets called such messages disasters; twenty-third round).
FIRST_OF_EQUALS = ("suicide", "trafficking", "mental", "violence", "disaster", "medical", "neglect")
CONTEXTS = ("chat", "record")
FILE_NAME = "danger.yaml"
FUZZY_LANGUAGE = "id"  # typos are forgiven towards this language's danger words
STRENGTHS = {"weak": 0, "normal": 1, "strong": 2}
MARKERS = (
    "urgent",
    "urgent_strict",
    "handled",
    "past",
    "training",
    "rules",
    "news",
    "hypothetical",
    "none",
    "fiction",
    "closed",
    "law_question",
    "habitual",
    "disclosed",
    "childhood",
)
LAW = "law_question"  # what the law says of it, how to recognise it: see DangerDetector._about_others
NEGATION = "negation"
# Words that, just before a marker, change what it says: "tolong dievakuasi", "bantu padamkan" ask for
# it (not handled); "sudah bertahun-tahun", "sejak tahun lalu" say it still goes on (not past).
REQUEST = "request"
ONGOING = "ongoing"
SELF = "self"  # the words a person names themselves with (saya, kami, I, my)
# Just before a "disclosed" word, makes the teller anyone at all ("warga yang bilang", "someone who
# told"): a training's material, not a person who told of it.
GENERIC = "generic"
# After a "past" word in its sentence, says it happens again now ("bantuan bencana tahun lalu, eh tapi
# ini sekarang air masuk rumah lagi"): that past word does not count.
RENEWED = "renewed"
# Just before a "past" word, says a carer left then and is still gone ("ibunya pergi … seminggu lalu"):
# that past word does not count either.
GONE = "gone"
# The strictly urgent words that only say "now" ("sekarang", "saat ini"): harmless chat says them as
# often as a cry for help does ("skrg udh sehat"). With no plea beside them, the model may still set
# the alarm aside, below its own lower floor (model.py `now_veto`).
NOW = "now"
FILLER = "filler"  # aspect and degree words that may stand inside a phrase ("air makin naik")
IDIOM = "idiom"  # the concept of figures of speech: a danger word inside one is no danger word
ARMED = "armed"  # a weapon at hand: with one in the message, no figure of speech is one
# Concepts of a chat message that says all is well: when no rule matched, it is not passed to the
# fallback's usual threshold but flagged only when the model is all but certain (model.py
# `benign_rescue`): a feeding or growth problem that lasts ("anak saya susah makan, berat badan
# turun": a question for the Posyandu; the fallback reads "makan … turun" like the crisis corpora's
# hunger), a job said to be lawful and paid ("kerja di kapal, resmi, gajinya lancar"), a search that
# ended well ("dicariin ternyata ketiduran"), home again with gifts ("pulang dari malaysia, bawa oleh-oleh"),
# a prank or a lie ("katanya rumah kebakaran, ternyata hoaks"), and (ninth round) a message that says
# it is a joke ("wkwk", "becanda") unless it also says it is none (EARNEST: "ini bukan becanda"), or
# tells of property sold ("tanah orang tua dijual buat berobat": the fallback reads "dijual" as a person);
# tenth round: a marriage asked about at the religious affairs office (KUA), a quarrel in words only;
# eleventh: the waters not broken yet (a question before the birth); fifteenth: a dream, ghosts, phone
# credit run out, a pet, a scene in a show; sixteenth: pests; seventeenth: fish and farm animals,
# games; eighteenth: cooking, a child's milestones, a nosebleed that stopped, children fed; twenty-second:
# a mother at home with her children, a flood-free house offered, laundry, a cold, a sulking teenager,
# strict but kind, an animal loose in the garden; twenty-third: rubbish burnt, a key or a wallet lost;
# twenty-fourth: a nap; twenty-fifth: a mother and newborn visited, late because of traffic; twenty-sixth:
# a firefighter's job, a toy fire truck; twenty-seventh: calm again after crying, a faint pretended;
# twenty-eighth: a football match; thirtieth: a house's small mishaps, a wild animal gone of itself;
# thirty-first: a village clean-up; thirty-second: an errand to be reminded of, a poison kept out of
# the children's reach.
BENIGN = (
    "chronic_feeding",
    "fair_work",
    "search_over",
    "home_safe",
    "did_not_happen",
    "joke",
    "goods_sold",
    "kua",
    "no_blows",
    "not_yet_broken",
    "well_active",
    "childcare",
    "exasperated",
    "given_back",
    "schoolwork",
    "sermon",
    "drill",
    "dream",
    "ghost",
    "phone_credit",
    "pet",
    "show",
    "pest",
    "livestock",
    "gaming",
    "cooking",
    "milestone",
    "stopped_itself",
    "fed",
    "recovered",
    "unhurt",
    "phobia",
    "averted",
    "lesson",
    "away",
    "permission",
    "with_children",
    "property",
    "laundry",
    "mild_ill",
    "moody_teen",
    "kind_after_all",
    "animal_loose",
    "rubbish_fire",
    "lost_item",
    "nap",
    "healthy_birth",
    "running_late",
    "fire_job",
    "calm_again",
    "pretend",
    "football",
    "household_mishap",
    "animal_gone",
    "community_work",
    "errand",
    "out_of_reach",
)
EARNEST = "earnest"
# Said to be well even beside a poison named (EARNEST): a poison kept out of the children's reach
# ("racun tikus buat warung, taruh di rak paling atas biar anak2 gk sampai"; thirtieth and
# thirty-second rounds).
OUT_OF_REACH = "out_of_reach"
_SUPPRESS_ALWAYS = ("handled", "past", "none")
_SUPPRESS_UNLESS_URGENT = ("training", "rules", "news", "hypothetical", "fiction")
# Only in a record (a report's notes): a month named, or an outcome ("korban sekarang aman", "bayi
# sehat." at the end) says the case is dated or closed. In chat the same words are no context.
_SUPPRESS_IN_RECORD = ("closed",)
# A training's title, the news, a story: they make danger words a topic, not a case, unless someone
# told of it themselves ("setelah pelatihan, ibu R bilang mau bunuh diri": the "disclosed" marker).
_TITLES = ("training", "news", "fiction")
# What makes even a strong statement possibly not a person's own: a song, film or joke, an "if", the
# news (twenty-seventh round: "nonton berita soal TKW yg disiksa…"; the model may set it aside).
_FRAMES = ("fiction", "hypothetical", "news")
# What makes a plea beside danger words possibly part of a topic (Reading.asked): a lesson, the news,
# a story, an "if". Not a question about a programme's rules: "mohon bantuan sembako" from a flooded
# house is a plea.
_ASKED = ("training", "news", "fiction", "hypothetical")
_LOADED: dict[tuple[tuple[str, int], ...], DangerDetector] = {}


class Reading(NamedTuple):
    """What the rules made of a message: the kinds kept (possibly none), the strength of the
    strongest rule that counted (-1: none), and whether an urgent word stood with it."""

    kinds: tuple[str, ...]
    strength: int
    urgent: bool = False
    # The danger words were only a figure of speech ("bunuh waktu"): the rules read the message,
    # and the model overrules them only when it is all but certain (thirty-second round: "kunci
    # rumah sy taruh di bawah pot ya, besok tolong ada yg bukain pintunya" is a farewell, p 0.99).
    figure: bool = False
    # A song, a film, a joke or an "if" frames the danger's sentence ("lagu aku mau mati saja yg
    # viral itu judulnya apa"): even a strong statement there may be set aside by the model.
    framed: bool = False
    # Dealt with, and dated ("dulu waktu kecil pernah tenggelam, ditolong tetangga"): a settled
    # story the model does not overrule either (no rescue).
    dated: bool = False
    # A strictly urgent word other than a bare "now" stood with it ("tolong", "darurat", "help"): the
    # model never vetoes such an alarm (see `unvetoed`); with only "now", below `now_veto` it may.
    plea: bool = False
    # The urgency stood beside what otherwise makes danger words a topic (a lesson, the news, a story,
    # an "if"): "nomor darurat kalau nanti ada bumil pendarahan", "materi kelas: kalau kejang, segera
    # ke puskesmas": the plea does not shield the alarm from the model.
    asked: bool = False
    # Violence said to happen again and again ("suami mukul istri tiap hari"): lived, however it is
    # asked about; the model does not set it aside (tenth round).
    habitual: bool = False
    # A film, a comic, a joke frames the danger's sentence: how often it happens there is the story's
    # ("komik detektif, tiap episode ada yg dibunuh"; fourteenth round), not a pattern lived.
    story: bool = False
    # Said in earnest ("sy serius", "ini bukan bercanda"; not "serius nanya", an honest question): the
    # model does not set the alarm aside (sixteenth round: "gmn caranya biar ga sakit kalo mau mati, sy
    # serius" was vetoed at p 0.22 in LOCO).
    earnest: bool = False
    # A weapon named ("armed"): with "now" beside a mental disorder's or a beating's alarm, the model
    # does not set it aside (twenty-eighth round: "yg dulu dirawat di RSJ kabur lg, skrg … bawa
    # celurit" was vetoed at p 0.15 in LOCO).
    armed: bool = False


SHORT_WORDS = 6  # a message of fewer words is a bare statement: the model's veto does not apply
# The model alone never flags a message of fewer words than this: "ga ada" (a form's "none") is no
# danger however its n-grams score; no crisis message of the tuning corpora is that short and
# caught by the model alone. Three became four in the eleventh round, when the retrained fallback
# read the form answer "saya di rumah" at 0.70 (the ten crisis messages of the tuning corpora with
# fewer than five words are all caught by the rules).
MODEL_WORDS = 4
# Words a show's title may take between the show and a "now" that dates it ("sinetron ikan terbang
# malam ini"; sixteenth round).
SHOW_TITLE = 3


# A strong statement of these kinds is never set aside by the model: suicide ("cara potong nadi biar
# cepat" reads like a question to it) and a disaster's own signs ("air laut tiba-tiba surut habis
# gempa": minutes count, and everyday chat about the sea and the weather made the model doubt it), and
# a strong threat of violence ("mantan suami sms: kamu dan anakmu habis": the seventh round's model
# rated it 0.27). Leave-one-corpus-out: not one harmless message more.
_NEVER_VETOED_WHEN_STRONG = frozenset(("suicide", "disaster", "violence"))
# The kinds whose alarm a weapon at hand, now, keeps from the model's veto (Reading.armed).
_ARMED_KINDS = frozenset(("mental", "violence"))


def unvetoed(read: Reading, text: str) -> bool:
    """Whether the model may not set this alarm of the rules aside (see `assess`)."""
    strong = (
        read.strength >= STRENGTHS["strong"]
        and not read.framed
        and not _NEVER_VETOED_WHEN_STRONG.isdisjoint(read.kinds)
    )
    lived = read.habitual and "violence" in read.kinds and not read.story
    armed_now = (
        read.armed
        and read.urgent
        and not (read.framed or read.asked or read.story)
        and not _ARMED_KINDS.isdisjoint(read.kinds)
    )
    return (
        (read.plea and not read.asked)
        or lived
        or strong
        or armed_now
        or read.earnest
        or len(text.split()) < SHORT_WORDS
    )


class _Spans(dict[int, list[tuple[int, int]]]):
    """Term id → where it occurs in a message; `ids`: the term ids, as a set."""

    __slots__ = ("ids",)
    ids: frozenset[int]


def _positions(term_ids: frozenset[int], spans: _Spans) -> set[int]:
    """The word positions covered by any occurrence of these terms."""
    return {
        p
        for term_id in term_ids.intersection(spans.ids)
        for start, end in spans[term_id]
        for p in range(start, end)
    }


@dataclass(frozen=True, slots=True)
class Rule:
    kind: str
    slots: tuple[frozenset[int], ...]  # each slot: the term ids that satisfy it
    strength: int
    window: int | None
    unless: frozenset[int]
    needs: frozenset[int] = frozenset()  # indexes of its distinct slots (see DangerDetector._slot_index)
    # The slots' words must come in the listed order ("jual anaknya": what follows an active verb
    # is what is sold; "anak saya jualan kue" names the seller, not the goods).
    ordered: bool = False
    # Words that cancel the rule only when they come at most `reach` words before a word of its last
    # slot: what was lost is named before "hilang" ("hp anak sy hilang"); a thing named after it does
    # not make a missing child a lost phone ("anak saya hilang waktu beli sepatu di pasar").
    unless_before: frozenset[int] = frozenset()
    reach: int = 0


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    strength: str  # weak | normal | strong (the strongest rule that matched)


class DangerDetector:
    """`detect(text)` → the kind of danger, or None. Thread-safe for reading; caches words it has seen."""

    def __init__(
        self,
        *,
        slang: Mapping[str, str],
        concepts: Mapping[str, Sequence[str]],
        rules: Sequence[Mapping[str, Any]],
        markers: Mapping[str, Sequence[str]],
        known_words: Iterable[str] = (),
        fuzzy_words: Iterable[str] | None = None,
        model: NgramModel | None = None,
        whole: Iterable[str] = (),
    ) -> None:
        self.model = model  # the trained fallback, for chat messages no rule matched (see model.py)
        self._slang = {k: tuple(v.split()) for k, v in slang.items()}
        self._terms: list[tuple[str, ...]] = []
        self._term_ids: dict[tuple[str, ...], int] = {}
        self._concepts = {name: self._ids(words) for name, words in concepts.items()}
        self._markers = {
            name: self._ids(markers.get(name, ()))
            for name in (*MARKERS, NEGATION, REQUEST, ONGOING, SELF, GENERIC, RENEWED, GONE, NOW)
        }
        self._rules = tuple(self._rule(raw) for raw in rules)
        distinct = {
            slot: n for n, slot in enumerate(dict.fromkeys(slot for r in self._rules for slot in r.slots))
        }
        self._rules = tuple(
            dataclasses.replace(r, needs=frozenset(distinct[slot] for slot in r.slots)) for r in self._rules
        )
        self._slots_of: dict[int, frozenset[int]] = {}
        for slot, n in distinct.items():
            for term_id in slot:
                self._slots_of[term_id] = self._slots_of.get(term_id, frozenset()) | {n}
        self._trigger_ids = frozenset().union(
            *(self._concepts[slot[1:]] for raw in rules for slot in raw["all"] if slot[1:] in self._concepts)
        )
        self._single: dict[str, list[int]] = {}
        self._pairs: dict[tuple[str, str], list[int]] = {}
        for term_id, term in enumerate(self._terms):
            if len(term) == 1:
                self._single.setdefault(term[0], []).append(term_id)
            else:
                self._pairs.setdefault((term[0], term[1]), []).append(term_id)
        self._firsts = frozenset(first for first, _ in self._pairs)
        self._fillers = frozenset(
            w for phrase in markers.get(FILLER, ()) for w in phrase_words(phrase, self._slang)
        )
        lexicon = frozenset(word for term in self._terms for word in term)
        # Typos are forgiven towards Indonesian danger words only: an English word that is not in
        # the Indonesian dictionary is not a typo ("rapid" is not "raped").
        allowed = None if fuzzy_words is None else frozenset(fuzzy_words)
        self.reader = WordReader(
            slang=self._slang,
            whole=frozenset(whole),
            lexicon=lexicon,
            known=HashedStrings(chain(known_words, lexicon, self._slang)),
            fuzzy_targets={
                w
                for t in self._trigger_ids
                for w in self._terms[t]
                if len(w) >= 5 and w.isalpha() and (allowed is None or w in allowed)
            },
            # Urgent words that a passive prefix turns into a record ("ditolong" = was helped).
            active_only=frozenset(
                self._terms[t][0]
                for name in ("urgent", "urgent_strict")
                for t in self._markers[name]
                if len(self._terms[t]) == 1
            ),
        )
        self._marker_ids = frozenset().union(*self._markers.values())
        self._suppressor_ids = frozenset().union(
            *(self._markers[name] for name in (*_SUPPRESS_ALWAYS, *_SUPPRESS_UNLESS_URGENT))
        )
        self._idiom_ids = self._concepts.get(IDIOM, frozenset())
        self._armed_ids = self._concepts.get(ARMED, frozenset())
        self._media_ids = self._markers["fiction"] | self._markers["news"]
        self._benign_ids = frozenset().union(*(self._concepts.get(name, frozenset()) for name in BENIGN))
        self._earnest_ids = self._concepts.get(EARNEST, frozenset())
        self._out_of_reach_ids = self._concepts.get(OUT_OF_REACH, frozenset())
        self._show_ids = self._concepts.get("show", frozenset())
        self._lesson_ids = self._concepts.get("lesson", frozenset())
        self._threat_if_ids = self._concepts.get("threat_if", frozenset())
        # A threat "if" is no figure of speech beside these: "now", a plea, its maker at hand.
        self._threat_near_ids = self._markers["urgent_strict"] | self._concepts.get("at_hand", frozenset())
        self._asking_ids = self._concepts.get("asking_honestly", frozenset())

    # -- loading ------------------------------------------------------------------------------
    @classmethod
    def load(cls, locales_dir: Path) -> DangerDetector:
        """Merge every `locales/<lang>/danger.yaml` (and a top-level one, if any)."""
        paths = sorted(locales_dir.glob(f"*/{FILE_NAME}")) + sorted(locales_dir.glob(FILE_NAME))
        if not paths:
            raise FileNotFoundError(f"no {FILE_NAME} under {locales_dir}")
        # Read-only once built, so one per set of files is shared (the core is built per test, too).
        key = tuple((str(path.resolve()), path.stat().st_mtime_ns) for path in paths)
        model_path = locales_dir / "danger_model.json"
        if model_path.exists():
            key += ((str(model_path.resolve()), model_path.stat().st_mtime_ns),)
        if key not in _LOADED:
            _LOADED[key] = cls._from_files(paths, NgramModel.load(locales_dir))
        return _LOADED[key]

    @classmethod
    def _from_files(cls, paths: Sequence[Path], model: NgramModel | None = None) -> DangerDetector:
        slang: dict[str, str] = {}
        concepts: dict[str, list[str]] = {}
        rules: list[Mapping[str, Any]] = []
        markers: dict[str, list[str]] = {}
        fuzzy: set[str] = set()
        whole: set[str] = set()
        places: set[str] = set()
        for path in paths:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            if path.parent.name == FUZZY_LANGUAGE:
                fuzzy.update(
                    w for words in (raw.get("concepts") or {}).values() for p in words for w in str(p).split()
                )
            slang.update({str(k).lower(): str(v).lower() for k, v in (raw.get("slang") or {}).items()})
            for name, words in (raw.get("concepts") or {}).items():
                concepts.setdefault(name, []).extend(str(w) for w in words)
            for name, words in (raw.get("markers") or {}).items():
                markers.setdefault(name, []).extend(str(w) for w in words)
            rules.extend(raw.get("rules") or [])
            whole.update(str(w).lower() for w in raw.get("whole") or ())
            places.update(w for name in raw.get("places") or () for w in str(name).lower().split())
        for rule in rules:
            for slot in (*rule.get("all", ()), *rule.get("unless", ()), *rule.get("unless_before", ())):
                if slot.startswith("@") and slot[1:] not in concepts and slot[1:] not in markers:
                    raise ValueError(f"{FILE_NAME}: rule names unknown concept {slot}")
            if rule.get("kind") not in KINDS or rule.get("strength", "normal") not in STRENGTHS:
                raise ValueError(f"{FILE_NAME}: bad rule {rule}")
        return cls(
            slang=slang,
            concepts=concepts,
            rules=rules,
            markers=markers,
            known_words=[*known_words(), *places],
            fuzzy_words=fuzzy,
            model=model,
            whole=whole,
        )

    def _ids(self, words: Iterable[str]) -> frozenset[int]:
        ids = set()
        for phrase in words:
            term = phrase_words(phrase, self._slang)
            if not term:
                continue
            if term not in self._term_ids:
                self._term_ids[term] = len(self._terms)
                self._terms.append(term)
            ids.add(self._term_ids[term])
        return frozenset(ids)

    def _slot_terms(self, names: Sequence[str]) -> frozenset[int]:
        """The term ids of a rule's "unless" list: concepts ("@lost_thing") or literal terms."""
        return frozenset().union(
            *(self._concepts.get(s[1:], frozenset()) if s.startswith("@") else self._ids([s]) for s in names)
        )

    def _rule(self, raw: Mapping[str, Any]) -> Rule:
        slots = []
        for slot in raw["all"]:
            name = slot[1:] if slot.startswith("@") else None
            if name is None:
                slots.append(self._ids([slot]))
            elif name in self._concepts:
                slots.append(self._concepts[name])
            else:
                slots.append(self._markers[name])
        unless = self._slot_terms(raw.get("unless", ()))
        return Rule(
            kind=raw["kind"],
            slots=tuple(slots),
            strength=STRENGTHS[raw.get("strength", "normal")],
            window=raw.get("window"),
            unless=unless,
            ordered=bool(raw.get("ordered", False)),
            unless_before=self._slot_terms(raw.get("unless_before", ())),
            reach=int(raw.get("reach", 0)),
        )

    # -- reading a message ----------------------------------------------------------------------
    def detect(self, text: str | None, *, context: str = "chat") -> str | None:
        """The kind of danger in `text` (one of KINDS), or None."""
        found = self.assess(text, context=context)
        return found[0] if found else None

    def assess(self, text: str | None, *, context: str = "chat") -> tuple[str, ...]:
        """Every kind of danger found, the most pressing first. The rules decide wherever one of them
        matches (and reads the context); a chat message that no rule matched goes to the trained
        fallback, which flags what reads like the crisis corpora."""
        if not text or not any(ch.isalpha() for ch in text):
            return ()  # a number, a date, a phone number: no words, no danger said
        text = text[:TEXT_CHARS]
        tokens = self.reader.tokens(text)
        spans = self._matches(tokens)  # read once: the rules, then (no rule matched) BENIGN
        read = self._read_rules(text, context, (tokens, spans))
        model = self.model if context == "chat" else None
        if read is not None:
            found = read.kinds
            if model is None:
                return found
            # The vetoes (see model.py): in chat, a rule's alarm is set aside when the trained model
            # is very sure the message is harmless (surer still for a strong statement); the rescue:
            # a message the rules read as settled or harmless is flagged when the model is very sure
            # of danger. The model is asked only where its answer can change the outcome.
            if found:
                # Never vetoed: a plea with it ("tolong", not a bare "now"), a strong statement of suicide
                # ("cara potong nadi biar cepat" reads like a question to the model), or a bare
                # statement of a few words ("ibu hamil pendarahan"): nothing around it says otherwise.
                if unvetoed(read, text):
                    return found
                if read.urgent and not read.plea:  # said with "now" alone (no plea): the lower floor
                    floor = model.now_veto
                else:
                    floor = model.veto if read.strength < STRENGTHS["strong"] else model.strong_veto
                return () if model.danger(text) < floor else found
            if read.dated or len(text.split()) < MODEL_WORDS:
                return found
            # A figure of speech, or said to be well or a joke (BENIGN): rescued only when the model
            # is all but certain.
            rescue = model.benign_rescue if read.figure or self._said_benign(spans) else model.rescue
            grams = model.grams(text)
            return (model.kind(text, grams),) if model.danger(text, grams) >= rescue else found
        if model is not None and len(text.split()) >= MODEL_WORDS:
            if self._said_benign(spans):
                # All is said to be well (BENIGN), and no danger sign any rule names: flagged only
                # when the model is all but certain (eighth round: "ODGJ dirantai di kandang, kurus
                # sekali" names a lasting thinness beside a danger; everyday feeding worries reach 0.88).
                grams = model.grams(text)
                return (model.kind(text, grams),) if model.danger(text, grams) >= model.benign_rescue else ()
            return model.assess(text)
        return ()

    def _benign(self, text: str) -> bool:
        """Whether the text says all is well in a way BENIGN names (the words are cached)."""
        return self._said_benign(self._matches(self.reader.tokens(text)))

    def _said_benign(self, spans: _Spans) -> bool:
        if self._benign_ids.isdisjoint(spans):  # OUT_OF_REACH is one of BENIGN
            return False
        return self._earnest_ids.isdisjoint(spans) or not self._out_of_reach_ids.isdisjoint(spans)

    def _assess_rules(self, text: str, context: str) -> tuple[str, ...] | None:
        """The kinds the rules find (possibly none, after reading the context), or None when no rule
        matched at all."""
        read = self._read_rules(text, context)
        return None if read is None else read[0]

    def _read_rules(
        self, text: str, context: str, read: tuple[list[frozenset[str]], _Spans] | None = None
    ) -> Reading | None:
        """As `_assess_rules`, with the strength of the strongest rule that counted (-1: none).
        `read`: the text's words and their matches, when the caller has them already."""
        if read is None:
            read = (words := self.reader.tokens(text), self._matches(words))
        tokens, spans = read
        if not spans:
            return None
        present_ids = spans.ids = frozenset(spans)
        if self._trigger_ids.isdisjoint(present_ids):
            return None
        # Context words (and a rule's "unless" words) count only in a sentence that says the danger:
        # "data bulan lalu sudah saya kirim. Tolong, bayi ini kejang" is not a note about the past.
        sentence, at = [], 0
        for forms in tokens:
            sentence.append(at)
            if END in forms:
                at += 1
        # Words inside a figure of speech ("bunuh waktu", "gila kerja", "dying of laughter") are not
        # danger words; when such a figure held the only danger words, the rules have read it: no
        # danger, and the fallback only when all but certain (it would read the bare words).
        # "he'll kill me if I leave" is a figure of speech until a knife is in the message.
        armed = not self._armed_ids.isdisjoint(present_ids)
        figures = self._idiom_ids
        if not self._threat_near_ids.isdisjoint(present_ids):
            # "he'll kill me if I leave. he's outside now", "my ex is outside my house and says he
            # will kill me if…": a threat with its maker at hand is no figure of speech (seventeenth
            # and eighteenth rounds).
            figures = figures - self._threat_if_ids
        idiom = set() if armed else _positions(figures, spans)
        figurative = False
        if idiom:
            spans, figurative = self._without(spans, idiom)
            present_ids = spans.ids
            if figurative and self._trigger_ids.isdisjoint(present_ids):
                return Reading((), -1, figure=True)
        best: dict[str, int] = {}
        matched: list[Rule] = []
        slots_of = self._slots_of
        seen_slots = frozenset().union(*(slots_of[t] for t in present_ids if t in slots_of))
        for rule in self._rules:
            if not rule.needs.issubset(seen_slots) or rule.strength <= best.get(rule.kind, -1):
                continue
            if rule.unless and not rule.unless.isdisjoint(present_ids):
                if self._sentences(rule.unless, spans, sentence) & self._rule_sentences(
                    rule, spans, sentence
                ):
                    continue
            if rule.unless_before and self._named_before(rule, spans):
                continue
            if self._holds(rule, spans):
                best[rule.kind] = rule.strength
                matched.append(rule)
        if not best:
            return Reading((), -1, figure=True) if figurative else None
        trigger_positions = self._trigger_positions(spans)
        self._cover_urgent(spans, trigger_positions)
        danger_sentences: set[int] = set()
        for rule in matched:
            danger_sentences |= self._rule_sentences(rule, spans, sentence, narrow=True)
        present = {
            name: self._marker_present(
                self._markers[name], spans, trigger_positions, name, sentence, danger_sentences
            )
            for name in MARKERS
        }
        kept = [
            (kind, strength) for kind, strength in best.items() if self._counts(strength, present, context)
        ]
        if kept and context == "chat" and self._about_others(present, spans, sentence, danger_sentences):
            kept = []
        if not kept and context == "chat" and not any(present[name] for name in _SUPPRESS_ALWAYS):
            # A danger word in a question, a title, news, "if…", or a weak sign with no urgency
            # ("demam tinggi", said with nothing else the rules know): the fallback decides.
            return None
        kept.sort(key=lambda ks: (-ks[1], FIRST_OF_EQUALS.index(ks[0])))
        # With a plea ("tolong", "darurat"), an alarm is never vetoed; with a bare "now" ("sekarang"),
        # only below the model's lower floor (assess).
        urgent = bool(kept) and present["urgent_strict"]
        plea = urgent and self._marker_present(
            self._markers["urgent_strict"] - self._markers[NOW],
            spans,
            trigger_positions,
            "urgent_strict",
            sentence,
            danger_sentences,
        )
        framed = any(present[name] for name in _FRAMES)
        asked = any(present[name] for name in _ASKED) and self._asked(spans)
        # Dealt with and dated, or a childhood long gone ("nearly drowned as a kid, now he won't ride
        # the boat"; seventeenth round): a settled story the model does not rescue.
        dated = (present["handled"] and present["past"]) or present["childhood"]
        kinds = tuple(kind for kind, _ in kept)
        strongest = kept[0][1] if kept else -1
        return Reading(
            kinds,
            strongest,
            urgent,
            framed=framed,
            dated=dated,
            plea=plea,
            asked=asked,
            habitual=present["habitual"],
            story=present["fiction"],
            earnest=not self._earnest_ids.isdisjoint(present_ids)
            and self._asking_ids.isdisjoint(present_ids),
            armed=armed,
        )

    def _asked(self, spans: _Spans) -> bool:
        """Whether a word of a lesson, the news, a story or an "if" stands outside every strictly
        urgent phrase: "kalau menolak ditampar" is a pattern lived, not an "if"."""
        urgent = _positions(self._markers["urgent_strict"], spans)
        return any(
            not all(p in urgent for p in range(start, end))
            for name in _ASKED
            for term_id in self._markers[name].intersection(spans.ids)
            for start, end in spans[term_id]
        )

    def _without(self, spans: _Spans, idiom: set[int]) -> tuple[_Spans, bool]:
        """The trigger words' spans that lie outside every idiom (other terms are kept), and whether
        an idiom held any."""
        kept = _Spans()
        removed = False
        for term_id, found in spans.items():
            if term_id in self._trigger_ids and term_id not in self._idiom_ids:
                outside = [(a, b) for a, b in found if not all(p in idiom for p in range(a, b))]
                removed = removed or len(outside) < len(found)
                if not outside:
                    continue
                found = outside
            kept[term_id] = found
        kept.ids = frozenset(kept)
        return kept, removed

    @staticmethod
    def _sentences(ids: frozenset[int], spans: _Spans, sentence: Sequence[int]) -> set[int]:
        return {sentence[start] for term_id in ids.intersection(spans.ids) for start, _ in spans[term_id]}

    def _rule_sentences(
        self, rule: Rule, spans: _Spans, sentence: Sequence[int], *, narrow: bool = False
    ) -> set[int]:
        """The sentences holding the rule's words. `narrow`: those holding a word of every slot
        (where the rule is said), when there are any: a person named in an earlier sentence
        ("laporan … sudah saya kirim. Istri saya … kaku") does not make that sentence the danger's."""
        per_slot = [self._sentences(slot, spans, sentence) for slot in rule.slots]
        found: set[int] = set().union(*per_slot)
        if narrow and len(per_slot) > 1:
            common = set.intersection(*per_slot)
            if common:
                return common
        return found

    def _counts(self, strength: int, present: Mapping[str, bool], context: str) -> bool:
        settled = any(present[name] for name in _SUPPRESS_ALWAYS)
        if present["handled"] and present["past"] and not present["urgent_strict"]:
            return False  # dealt with, and dated: a record even when its words are strong
        if context == "record":
            if settled or any(present[name] for name in _SUPPRESS_IN_RECORD):
                return False
            # A training's title or the news, even in strong words ("module: responding to someone
            # talking about suicide"), is a record unless something in it is urgent or a person told
            # of it.
            if not (present["urgent_strict"] or present["disclosed"]) and any(
                present[name] for name in _TITLES
            ):
                return False
            # A weak signal ("persalinan" with "saat ini") is never enough in a note about the month;
            # a normal one is when it is urgent, or when a person told the cadre it keeps happening
            # ("bu W mengaku dipukul suaminya tiap malam").
            return strength == STRENGTHS["strong"] or (
                strength > STRENGTHS["weak"]
                and (present["urgent_strict"] or (present["disclosed"] and present["habitual"]))
            )
        if strength == STRENGTHS["strong"]:
            return True
        urgent = present["urgent"] or present["urgent_strict"]
        if strength == STRENGTHS["weak"]:
            return urgent and not settled
        if settled:
            return False
        told = present["disclosed"]
        return urgent or not any(
            present[name] for name in _SUPPRESS_UNLESS_URGENT if not (told and name in _TITLES)
        )

    @staticmethod
    def _named_before(rule: Rule, spans: _Spans) -> bool:
        """Whether every word of the rule's last slot has a word of `rule.unless_before` at most
        `rule.reach` words before it ("hp anak sy hilang"; but "nenek saya hilang, dompetnya
        ketinggalan": the wallet is left behind, the grandmother is still missing)."""
        found = rule.unless_before.intersection(spans.ids)
        if not found:
            return False
        before = [start for term_id in found for start, _ in spans[term_id]]
        last = [at for last_id in rule.slots[-1].intersection(spans.ids) for at, _ in spans[last_id]]
        return all(any(0 < at - start <= rule.reach for start in before) for at in last)

    def _holds(self, rule: Rule, spans: _Spans) -> bool:
        positions = []
        present = spans.ids
        for slot in rule.slots:
            found = [start for term_id in slot.intersection(present) for start, _ in spans[term_id]]
            if not found:
                return False
            positions.append(found)
        if len(positions) == 1:
            return True
        if rule.ordered:
            return _in_order(positions, rule.window)
        if rule.window is None:
            return True
        return _within(positions, rule.window)

    def _trigger_positions(self, spans: _Spans) -> dict[int, int]:
        """Word position → length of the longest danger term (a concept word of a rule) covering it."""
        covered: dict[int, int] = {}
        for term_id in self._trigger_ids.intersection(spans.ids):
            for start, end in spans[term_id]:
                for position in range(start, end):
                    covered[position] = max(covered.get(position, 0), end - start)
        return covered

    def _about_others(
        self, present: Mapping[str, bool], spans: _Spans, sentence: Sequence[int], danger: set[int]
    ) -> bool:
        """A question about someone else: "if" (or a training's material) and a question about the
        law or how to recognise it ("law_question") in the danger's sentence; nobody speaking of
        themselves there, nothing strictly urgent and nothing saying how often it happens ("apa
        hukumnya kalau keluarga masih pasung ODGJ?", "gimana kenali orang yg mau bunuh diri? mau
        bikin materi penyuluhan"). Even a strong rule's words are then asked about, not reported;
        the fallback decides. ("kalau suami mukul istri tiap hari, apa sanksinya" still counts.)"""
        asked = present["hypothetical"] or present["training"]
        if not (asked and present[LAW]) or present["urgent_strict"] or present["habitual"]:
            return False
        return not (self._sentences(self._markers[SELF], spans, sentence) & danger)

    def _cover_urgent(self, spans: _Spans, covered: dict[int, int]) -> None:
        """An urgent word inside a longer context phrase ("what help is available") is not urgent:
        mark such phrases as covering their words, negatively (see _marker_present). A word right
        before a phrase naming the media qualifies the watching ("sering [lihat di film]")."""
        for term_id in self._suppressor_ids.intersection(spans.ids):
            for start, end in spans[term_id]:
                if end - start > 1:
                    if term_id in self._media_ids and start > 0:
                        start -= 1
                    for position in range(start, end):
                        covered[-1 - position] = max(covered.get(-1 - position, 0), end - start)

    def _marker_present(
        self,
        ids: frozenset[int],
        spans: _Spans,
        covered: dict[int, int],
        name: str,
        sentence: Sequence[int],
        danger_sentences: set[int],
    ) -> bool:
        """A context marker counts unless it is part of a longer danger term ("tidak ada yang urus"
        is not "tidak ada"); "handled" and "past" do not count when negated ("belum ditangani",
        "tidak pernah")."""
        positive = name in ("urgent", "urgent_strict")
        for term_id in ids.intersection(spans.ids):
            for start, end in spans[term_id]:
                if not positive and max(covered.get(p, 0) for p in range(start, end)) > end - start:
                    continue
                if positive and max(covered.get(-1 - p, 0) for p in range(start, end)) > end - start:
                    continue
                if positive and term_id in self._markers[NOW] and self._not_now(spans, start, end):
                    continue
                if positive and self._begins(spans, start, end, self._lesson_ids):
                    continue  # "lg belajar tentang gunung meletus": "lagi" dates a lesson (nineteenth round)
                if not positive and sentence[start] not in danger_sentences:
                    continue
                if name in ("handled", "past", "childhood") and self._before(spans, start, NEGATION):
                    continue
                if name == "handled" and self._before(spans, start, REQUEST, reach=2):
                    continue
                if name in ("past", "childhood") and (
                    self._before(spans, start, ONGOING, reach=0)
                    or self._before(spans, start, GONE, reach=6)
                    or self._renewed(spans, start, sentence)
                ):
                    continue
                if name == "disclosed" and self._before(spans, start, GENERIC):
                    continue
                return True
        return False

    def _renewed(self, spans: _Spans, start: int, sentence: Sequence[int]) -> bool:
        """Whether a "renewed" word follows `start` in its sentence or the next ("tahun lalu, tapi
        sekarang …"; "bantuan banjir tahun lalu blm cair min.. eh ini air masuk lagi")."""
        found = self._markers[RENEWED].intersection(spans.ids)
        return any(
            at > start and sentence[at] - sentence[start] <= 1 and not self._outcome(spans, at, end)
            for term_id in found
            for at, end in spans[term_id]
        )

    def _not_now(self, spans: _Spans, start: int, end: int) -> bool:
        """Whether the "now" word at `start`:`end` dates something else than the danger: how it
        ended ("skrg udh pulang") or a show named just before it ("sinetron malam ini", "berita hari
        ini"; fifteenth round); a soap opera or a film (BENIGN "show") perhaps by its title ("sinetron
        ikan terbang malam ini"; sixteenth), but not any story or news word: "pasien yg dulu kita data
        itu skrg ngamuk" is now."""
        return (
            self._outcome(spans, start, end)
            or self._before(spans, start, "fiction", reach=0)
            or self._before(spans, start, "news", reach=0)
            or self._before(spans, start, self._show_ids, reach=SHOW_TITLE)
        )

    def _outcome(self, spans: _Spans, start: int, end: int) -> bool:
        """Whether a "handled" phrase begins within the words at `start`:`end` or right after them
        (one word between at most): "tapi sekarang sudah pulang", "skrg dia udh aman" tell how it
        ended, not that it happens now (fifteenth round)."""
        return self._begins(spans, start, end, self._markers["handled"])

    @staticmethod
    def _begins(spans: _Spans, start: int, end: int, ids: frozenset[int]) -> bool:
        """Whether one of these terms begins within the words at `start`:`end` or right after them
        (one word between at most)."""
        return any(
            start <= at <= end + 1 for term_id in ids.intersection(spans.ids) for at, _ in spans[term_id]
        )

    def _before(self, spans: _Spans, start: int, marker: str | frozenset[int], reach: int = 1) -> bool:
        """Whether a `marker` word (a marker's name, or the term ids of a concept) ends just before
        `start` ("belum ditangani", "tolong dievakuasi", "sudah bertahun-tahun"): at most `reach`
        words between."""
        near = range(start - reach, start + 1)
        ids = self._markers[marker] if isinstance(marker, str) else marker
        return any(end in near for term_id in ids.intersection(spans.ids) for _, end in spans[term_id])

    def _matches(self, tokens: list[frozenset[str]]) -> _Spans:
        """Term id → (start, end) word positions where the term occurs."""
        found = _Spans()
        single, firsts = self._single, self._firsts
        n = len(tokens)
        for i, forms in enumerate(tokens):
            for form in forms:
                for term_id in single.get(form, ()):
                    found.setdefault(term_id, []).append((i, i + 1))
            if i + 1 == n or firsts.isdisjoint(forms):
                continue
            self._pair_matches(tokens, i, 0, found)
            # One aspect or degree word inside a phrase is still the phrase: "air makin naik",
            # "jembatan sudah putus", "rumah sudah roboh" (the vocabulary's "filler" words).
            if i + 2 < n and not self._fillers.isdisjoint(tokens[i + 1]):
                self._pair_matches(tokens, i, 1, found)
        return found

    def _pair_matches(self, tokens: list[frozenset[str]], i: int, gap: int, found: _Spans) -> None:
        """The phrases starting at word `i`, their second word `gap` words further on."""
        terms, pairs, firsts = self._terms, self._pairs, self._firsts
        n = len(tokens)
        following = tokens[i + 1 + gap]
        for first in tokens[i]:
            if first not in firsts:
                continue
            for second in following:
                for term_id in pairs.get((first, second), ()):
                    term = terms[term_id]
                    k = len(term)
                    if i + k + gap <= n and all(term[j] in tokens[i + j + gap] for j in range(2, k)):
                        found.setdefault(term_id, []).append((i, i + k + gap))


def _within(positions: Sequence[Sequence[int]], window: int) -> bool:
    """Whether one position from every list fits in `window` words (a sweep, not every combination:
    a long message may repeat a word hundreds of times)."""
    events = sorted((p, slot) for slot, found in enumerate(positions) for p in found)
    counts = [0] * len(positions)
    missing, left = len(positions), 0
    for position, slot in events:
        if counts[slot] == 0:
            missing -= 1
        counts[slot] += 1
        while events[left][0] < position - window:
            dropped = events[left][1]
            counts[dropped] -= 1
            if counts[dropped] == 0:
                missing += 1
            left += 1
        if missing == 0:
            return True
    return False


def _in_order(positions: Sequence[Sequence[int]], window: int | None) -> bool:
    """Whether the slots occur one after another, in their order, the last at most `window` words
    after the first (from each start, the earliest word of every next slot is the best choice)."""
    for start in positions[0]:
        at = start
        for found in positions[1:]:
            later = [p for p in found if p > at]
            if not later:
                break
            at = min(later)
        else:
            if window is None or at - start <= window:
                return True
    return False
