"""Leave-one-corpus-out (LOCO) estimate of the safety net on its tuning pairs of corpora:

    .venv/bin/python -m handlers.safety.train --loco [--threshold T] [--veto V] [--rescue R] [--strong-veto S]

The rules (locales/*/danger.yaml) were written while reading every tuning corpus, so on those they
score ~100 % / 0 % and say nothing about new messages. The trained fallback can be judged honestly:
for each pair (first, fresh, extra, final, holdout4, holdout5, train6, holdout6, holdout7, holdout8,
holdout9, holdout10, holdout11, holdout12, holdout13, holdout14, holdout15, holdout16, holdout17,
holdout18, holdout19, holdout20, holdout21) it is
trained on the others (plus the resident questions and everyday messages as harmless text), exactly
as train.py trains it, read through the pure-Python model of model.py, and tested on the pair left
out. Printed per
corpus and pooled: the rules alone, the model alone, rules + model, and rules + model + the policy
(detector.py `assess`:
the fallback's threshold t, the vetoes V and S over a weak/normal and a strong rule's chat alarm, the
rescue R of a message the rules read as settled). The honest views of the rules themselves: each
held-out pair read by the rules as they were when it was measured untouched (BEFORE, from git; skipped
when git or the commit is not there), and the newest pair (NEWEST) before its classes were fixed.
Then a sweep of t, V, R and S. A crisis message counts as caught when any danger is found; a harmless
report note is read in the "record" context, every other message as chat. Nothing here reads the
held-out pair (holdout22).

Sixth round (holdout6 added as tuning data): the policy of the fifth round is still the best where
recall comes first; holdout6 with the rules of 9e60f2c (when it was measured) + the model trained
without it + the policy: 192/194 caught, 12/220 alarms — the figure measured on it untouched; with
today's rules 192/194, 6/220.

Seventh round (holdout7 added): its view with the rules of c0211d1 reproduces the figure measured on
it untouched (176/178 caught, 11/199 alarms). The round's classes (a frame of fiction or "if" lets the
model set a strong statement aside; a settled and dated story is not rescued; vocabulary) take the
pooled figure from 10 missed / 52 alarms to 8 / 39 with the same policy, which stays the best; a
strong threat of violence joins the never-vetoed kinds at no cost. Then the classes of the crisis
messages LOCO still missed (a weapon at hand undoes a figure of speech; "since last night", people
stuck on a roof: strictly urgent; asking how many pills for oneself; "kalau nolak ditampar": lived,
not asked): 8 → 1 missed, alarms unchanged (39). A hard veto even of never-vetoed alarms below
p 0.03–0.08 would save 2 alarms and come within 0.01 of a crisis message's probability: not taken.
Training the fallback on more harmless chat cost recall (train.py says by how much) and was not
kept.

Eighth round (holdout8 added): its view with the rules of 62723e3 reproduces the figure measured on
it untouched (186/189 caught, 11/208 alarms). Pooled over ten pairs, same policy: 4 missed / 36 alarms
before the round's classes, 0 / 34 after them (self-cutting; how to die without pain; a person chained
in a shed, or tied up for raging; a rampage with a machete; a child not home after dark; a past word
undone by "tapi sekarang" or by a carer gone since then; refusing and being hit for it never vetoed;
place names no typo; well again, a road passable again, under control; a prank or a lie; a simile; a
baby kicking; a talk's title; and, for the fallback, chat that says all is well: BENIGN in
detector.py). The same policy stays the best in the sweep. Then a new veto U: an alarm whose only
urgency is a bare "now" ("sekarang", no plea such as "tolong") was never vetoed; it is now set aside
below p 0.2. Summed over the five honest views (each held-out pair with its old rules): 9 missed /
39 alarms → 9 / 34; pooled with today's rules 0 / 34 → 0 / 33. U = 0.3 would miss two crisis
messages ("kdrt bu.. sy. skrg. hp mau diambil", p 0.27); the lowest crisis message such a veto
could touch stands at 0.27, so 0.2 keeps a margin of 0.07 (0.1 saves 3 alarms fewer). And a chat
message said to be well (BENIGN: a lasting thinness, a lawful job, …) is no longer out of the model's
reach: it is flagged at p ≥ 0.95 (train.BENIGN_RESCUE). Honest views 9 → 7 missed ("ada nenek2 tidur
di pasar udh 3 malam, badannya kurus": p 1.0), alarms unchanged, the same from 0.85 to 0.99; 0.95
stays above every harmless message said to be well (an everyday "anak aku ndik mau makan sayur": 0.88).
Last, the rescue of a message the rules read as settled, R 0.85 → 0.65: honest views 7 → 5 missed ("my
wife is in labour, the baby's arm came out first", 0.57, is still missed; "min mau tanya bantuan bencana
tahun lalu, eh tapi ini sekarang air mulai masuk rumah lagi", 0.65, is caught), 34 → 35 alarms; pooled
with today's rules 0 / 33 → 0 / 37; the everyday and tricky-chat sets read but not trained on: no alarm
more (25/781, 23/414). R 0.6 gains nothing more; the fallback's t 0.55 misses fewer only with R 0.6 and
3 alarms more.

Ninth round (holdout9 added): its view with the rules of 50ab00d reproduces the figure measured on it
untouched (191/193 caught, 11/211 alarms). Pooled over eleven pairs, same policy: 5 missed / 45 alarms
before the round's classes, 3 / 33 after them (the means in hand and an apology; an old person
sleeping rough, in English; forced to serve men at a karaoke place; a child splashed by hot water is
hurt, not beaten; better again now; back with the family; a small tremor, gone; hunger and thirst said
as fainting or dying; a survivor asking for support; a funny story). Two changes of policy came with
them: a plea ("darurat", "segera", "help") beside what otherwise makes danger words a topic — an "if",
a lesson, the news, a story (detector.py Reading.asked; not a question about a programme: "mohon
bantuan sembako" from a flooded house is a plea) — no longer shields an alarm from the model's usual
floors; and a message that says it is a joke ("wkwk",
"becanda"; BENIGN, undone by EARNEST: "ini bukan becanda") is flagged by the model, or rescued from a
settled reading, only at p ≥ 0.95. The honest views of the older pairs cannot show either (they are
read with their own detectors); pooled, neither costs a crisis message.

Tenth round (holdout10 added): its view with the rules of adce80a reproduces the figure measured on it
untouched (191/192 caught, 6/211 alarms). Pooled over twelve pairs, same policy: 5 missed / 32 alarms
before the round's classes, 4 / 28 after them (soon gone, said in passing; jumping into the river, said
the everyday way; a snake that "matok"; documents kept and no pay abroad; a mental sign beside blows;
recruited, then forced to sleep with guests; a phone dead; fainted and well again; a child cared for by
kin; a marriage at a lawful age, or asked about at the KUA, and a quarrel in words only, both said to
be well: BENIGN). Between rules of the same strength, trafficking and a mental-health crisis now come
before the violence that is part of them (detector.py FIRST_OF_EQUALS); the kind does not change what
is caught. Retrained with holdout10, the model read "kalau suami mukul istri tiap hari, apa sanksinya"
at p 0.28, below the veto: violence said to happen again and again (the "habitual" marker) is now
never vetoed, as lived — pooled figures unchanged (4 / 28).

Eleventh round (holdout11 added): its view with the rules of 641b1cf catches 194/195 as measured on
it untouched, with 8/210 alarms (7 measured: the LOCO model is trained on slightly other negatives
than the shipped one). Pooled over thirteen pairs, same policy: 5 missed / 39 alarms before the
round's classes, 4 / 33 after them (on the roof and sorry; locked in one's room and "jangan dicari";
drowning oneself, said the everyday way; paranoia beside blows; bruises all over, cigarette burns;
chained under a house on stilts; the waters not broken yet, said to be well; a sermon; a match that
takes one's breath; longing "to death"; fine now after a faint). The retrained fallback then read the
form answer "saya di rumah" at 0.70: the model alone now needs four words (detector.py MODEL_WORDS;
this LOCO run does not apply that floor, so its figures are if anything pessimistic).

Twelfth round (holdout12 added): its view with the rules of f4de7f5 reproduces the figure measured on
it untouched (214/219 caught, 6/241 alarms). Pooled over fourteen pairs, same policy: 12 missed / 36
alarms before the round's classes, 8 / 30 after them ("bnh dri"; ready, said after the act; seeing
ghosts beside harm, a postpartum depression; nobody caring for an old man by the road; a carer dead
since, not a dated story; a lost child searched for all day; minors taken to be put to work,
frightened; a gas explosion, a fire grown big; water coming in again and rising, the past renewed in
the next sentence; an emergency number or help taught in a lesson; preparing "from now on"; hunger
said as dying; day care; planning ahead; well and active). The older pairs' 7 misses were there
before the round's classes too: adding holdout12 to the training moved the left-out models.

Thirteenth round (holdout13 added): its view with the rules of fd7401d reproduces the figure measured
on it untouched (182/185 caught, 6/208 alarms). Pooled over fifteen pairs, same policy: 8 missed / 38
alarms before the round's classes, 5 / 32 after them (one's own death asked about beside not going
on, tonight; a voice commanding a killing, a psychiatric patient, "orang stres" with a weapon: mental
first; the past renewed by "itu sekarang"; a minor taken by a broker across the border to work; "mati
aku", blood pressure, mosquitoes ("nyamuk" is no ny- + "amuk"); a lesson on suicide risk; a referral
done; something given back; homework). Training the fallback on every tuning set of residents'
questions as harmless text too (they drew 102 alarms among 4,553, 2.2 %, mostly from the model alone)
was tried and not kept: pooled 8 / 37 instead of 5 / 32.

Fourteenth round (holdout14 added): its view with the rules of 2ae145b catches 195/196 as measured on
it untouched, with 13/222 alarms (12 measured). Pooled over sixteen pairs, same policy: 8 missed / 40
alarms before the round's classes, 6 / 28 after them (a husband raging with a weapon: violence first;
pills swallowed on purpose; a window ledge high up, nobody caring; "my last night"; a blank stare for
days without eating; a relapse now renews a stay at the RSJ; an intention once held is no strong
statement, a farewell posted then unreachable is; one's own death asked about, ready; a pain said as
dying, better now; a house free of floods; a sermon, a drill; conscious again; a lawsuit threatened;
animals; a soap opera's villain who always hits; one word in quotation marks; an abbreviation's dot,
which ends no sentence). LOCO_SHOW_MISSES=1 prints the crisis messages the chosen policy misses.

Fifteenth round (holdout15 added): its view with the rules of e1c146b catches 192/193 with 12/230
alarms, as measured on it untouched. Pooled over seventeen pairs, same policy: 6 missed / 43 alarms
before the round's classes (the rules of 5d40317), 5 / 30 after them (Banjar words; poison smelt
behind a locked door or beside wanting to follow the dead: suicide first; "now" that tells how it
ended, or when a show is on; a dream, ghosts, phone credit run out, a pet, a scene in a show
(BENIGN); a peaceful death wished for one day; a tantrum; a screaming child said as being killed;
clothes burnt by the iron; decades as the past; "now lives with" as an outcome). A word floor of six
for the model alone (MODEL_WORDS 4 -> 6) was tried and not kept: no short crisis message of the
tuning pairs is caught by the model alone under today's rules, but under the rules of 50ab00d
holdout9's "pills in hand. sorry" (four words, p 0.60) was; it would have saved 8 everyday
small-talk alarms of 1,666.

Sixteenth round (holdout16 added): its view with the rules of d4e44e1 catches 202/202 with 10/212
alarms, as measured on it untouched. Pooled over eighteen pairs, same policy: 8 missed / 36 alarms
before the round's classes (the rules of d4e44e1), 3 / 29 after them (suicide first when a means is
at hand and one cannot go on, poison is swallowed so as to be no burden, one is locked in with a
rope, or an apology comes with poison smelt; many pills swallowed; burnt with a cigarette; a hand
nearly cut off; Javanese words ("mulih" is going home, not "pulih"); an alarm said in earnest is
never vetoed (Reading.earnest; "serius nanya" is no such statement); a place prone to landslides,
pests, a story being written, how to talk about suicide for a training, grown up since, a show's
title before "tonight"). Extending "a show right before now" to any story or news word three words
back was tried and undone: "pasien yg dulu kita data itu skrg ngamuk" ("data" is a news word) lost
its "now" and was missed.

Seventeenth round (holdout17 added): its view with the rules of 76a60af catches 188/193 with 6/230
alarms, as measured on it untouched. Pooled over nineteen pairs: 9 missed / 37 alarms before the
round's classes (the rules of 76a60af, V 0.3), 4 / 31 after them (a farewell entrusting one's
children; a heart attack's signs; "petugas" and "kesemutan" read whole; self-harm said the everyday
way; a threat "if" with its maker at hand; voices commanding harm, mental first; a childhood long gone
is dated; "sampai sekarang" renews the past; a plain denial, longing "half to death", a risk a doctor
warned of, fish and farm animals, games), and 1 / 36 with the veto at 0.2 (train.py VETO, adopted:
the honest views 20 → 18 missed, 92 → 100 alarms).

Eighteenth round (holdout18 added): its view with the rules of 32c24f5 catches 190/196 with 15/252
alarms, as measured on it untouched. Pooled over twenty pairs, same policy: 8 missed / 49 alarms
before the round's classes (the rules of 32c24f5), 1 / 35 after them (a will written and "after
this"; belongings given away, "won't need them"; unable to tell what is real; a girl taken to work
with her parents paid; water up to the roofs; a threat "if" with its maker at the door; only water
for days, not on a diet; a childhood "when I was small"; cooking, a child's milestones, a nosebleed
that stopped, children fed, a prophet's story (BENIGN, affirmative phrases only: "gak bisa jalan"
must not read as "bisa jalan"); cheated online, "want to rage"; better again after counselling). The
veto at 0.2 still beats 0.3 for recall: honest views 27 against 29 missed, 112 against 106 alarms.

Nineteenth round (holdout19 added): its view with the rules of d48f132 catches 195/196 with 11/224
alarms, as measured on it untouched. Pooled over twenty-one pairs: 5 missed / 47 alarms before the
round's classes (the rules of e4da29d), 1 / 40 after them (how to die without pain, the pain named
first, and no phrase read across a "?"; nothing left to think about, all prepared; rat poison called
"obat tikus"; a shock or a snake's bite medical first; a toothache, "mati suri", a game, a fear of
heights, luckily not fainted, nobody hurt, a threat to stop cooking, a lesson's subject after "lagi").
The strong veto 0.3 → 0.2 (train.py STRONG_VETO): pooled 1 / 41 against 2 / 40 at 0.3 (the miss it
saves: "my relatives keep my uncle chained in a shed…", a strong rule's alarm the model left out of
it rated 0.28); honest views 28 missed / 116 alarms against 29 / 115. Recall first, as for V.

Twentieth round (holdout20 added): its view with the rules of 04decc5 catches 195/196 with 14/265
alarms, as measured on it untouched. Pooled over twenty-two pairs: 3 missed / 50 alarms before the
round's classes (the rules of 04decc5), 1 / 36 after them (chest pain with pale or blue lips; a
pregnant woman struck, a strong rule now; someone confused who does not know where to go; hungry "to
death", sleeping like the dead, the skin "burning" in the heat, a phone dropped in the river; home
again, breathing easy again, conscious again, a flood gone down, a fire put out, a child found; one's
own absence from home and a question whether something is allowed, BENIGN). The strong veto at 0.2
and 0.3 now miss the same (honest views 28 each; 124 against 123 alarms): 0.2 stays. Training on the
everyday set 2 and the chat set as harmless text was tried again and is still worse: 6 missed / 41
alarms pooled against 2 / 39 (as in the seventh round).

Twenty-first round (holdout21 added): its view with the rules of a097d2f catches 197/199 with 9/213
alarms (the bench measured 8/213 at a097d2f; one alarm apart, not explained yet). Pooled over
twenty-three pairs: 5 missed / 46 alarms before the round's classes (the rules of a097d2f), 2 / 40
after them (a death threat said as not seeing tomorrow, with a blade sharpened; tired of living in
Javanese; pre-eclampsia's signs; crying "to death" over a film, better a blackout than boredom, still
cooking at 90, a harmless snake caught, a drill's "tanggap darurat", a case visited). Still missed:
holdout5's children found unconscious by a generator (a rule's alarm the model rates 0.20, at the
veto) and its lost grandmother. Strong veto 0.2 and 0.3 miss the same on the honest views (31 each;
131 against 130 alarms): 0.2 stays.

Twenty-second round (holdout22 added): its view with the rules of 43eb257 catches 202/213 with 17/221
alarms, as measured on it untouched (holdout21's view now reads 8/213, as its bench did). Pooled over
twenty-four pairs: 18 missed / 60 alarms before the round's classes (the rules of d64e7ad), 4 / 44 after
them (the abuser nearby, said by what the writer cannot do; pills to sleep forever; needing nothing any
more after a pet is given away; thanks from a bridge; someone to mind the family, "don't ask why"; a
bare "sy pamit", a goodbye to everyone with an apology; an old person lying out since the night; a
madman with a knife; and for what LOCO then missed, a girl followed home, "a snake bit", dengue with
nosebleeds; harmless: a mother alone with her children, a flood-free house, laundry, a cold, a sulking
teenager, strict but kind, a goat loose, a kitchen knife bought, a swimming lesson, hide-and-seek).
Still missed: holdout5's generator children and lost grandmother, first's child lost at the jetty (a
rule's alarm rated 0.19), holdout21's lost child found at the market ("can't say his name": a lost
thing's name, the rule's `unless`). Strong veto 0.2 and 0.3 miss the same on the honest views (42 each;
140 against 139 alarms), pooled 4 against 5 missed: 0.2 stays.

Twenty-third round (holdout23 added): its view with the rules of e80acc1 catches 191/197 with 9/225
alarms, as measured on it untouched. Pooled over twenty-five pairs: 9 missed / 54 alarms before the
round's classes (the rules of e80acc1), 3 / 43 after them (a man waiting outside with a blade; a
stepfather's touching again; a visit as if routine, "he is listening"; children entrusted, then the
phone dead; all of someone's pills swallowed; an elder not opening the door since yesterday; up a high
place and tired of everything; a lost key, a sermon on suicide as a sin, a training on preventing it,
a threat to buy another pet, traffic on the bridge, rubbish burnt, away at the mine, home after a
lift). The right kind first: a disaster now precedes a medical sign of the same strength (detector.py
FIRST_OF_EQUALS), with "collapsed" and "ambruk" no longer disaster words on their own: right first
kind over every crisis corpus 4,365 → 4,425 of 4,756. Strong veto 0.2 and 0.3: honest views 45 against
46 missed (150 against 149 alarms), pooled 3 against 4: 0.2 stays. Tried and not kept: every tuning set
of residents' questions as harmless text for the fallback (a retrain had started flagging Banjar
questions, "ulun handak minta tongkat…"): pooled 2 missed / 67 alarms at the shipped policy, 8 / 54 at
t 0.7, against 3 / 43; honest views 39 / 181 against 45 / 150.

Twenty-fourth round (holdout24 added): its view with the rules of e74bd8f catches 198/200 with 5/210
alarms, as measured on it untouched. Pooled over twenty-six pairs: 5 missed / 48 alarms before the
round's classes (the rules of e74bd8f), 3 / 44 after them (how to die without pain, "kalau mati" no
longer swallowed by the idiom "mati aku" across a comma; thanks for help once given, from a bridge;
"he is beside me"; voices commanding harm; made to serve guests, beaten if she refuses; a heat like
being roasted, a child no longer beaten after counselling, fine again after a faint, a nap). Still
missed then: holdout5's lost grandmother, holdout7's runaway son and holdout23's "come as if to weigh
the baby, don't ask why" (the last two are rules of their own since, added after this run). Strong
veto 0.2 and 0.3 miss the same (honest views 46 each; 154 against 153 alarms; pooled 44 against 43):
0.2 stays, as in the twentieth round.

Twenty-fifth round (holdout25 added): its view with the rules of 6daa1a3 catches 191/191 with 5/227
alarms (6/227 measured on it untouched, with the model of that commit). Pooled over twenty-seven
pairs: 2 missed / 49 alarms before the round's classes (the rules of 6daa1a3, one fit), 2 / 42 after
them with the bagged fit (train.py; a ransom asked for someone gone quiet; "look after my children"
said as a farewell; a new mother who would die together with her baby; a baby's snore called cute,
heat "like my head will burn", late because of traffic, a mother and newborn visited and well, knives
for a cooking demo). Still missed: holdout5's children found unconscious by a generator (p 0.19) and
its lost grandmother (p 0.33). Strong veto 0.2 and 0.3: pooled 2 against 3 missed, honest views 45
against 46 (156 against 155 alarms): 0.2 stays.

Twenty-sixth round (holdout26 added): its view with the rules of 6fd8593 catches 216/217 with 9/240
alarms, as measured on it untouched. Pooled over twenty-eight pairs: 2 missed / 57 alarms before the
round's classes (the rules of 6fd8593), 1 / 49 after them (a motorbike left at the water, "give it
back to my mother"; a snake's bite and a newborn's bleeding cord medical first; a fire come near the
house a disaster first; a car key, a firefighter's job, a toy fire truck, a snake seen from afar, work
abroad through an official programme with one's own passport, a shark film; a record's treatment kept
up, a lesson in how to ask for help). Still missed: holdout5's lost grandmother (p 0.39); its
children found unconscious by a generator are caught again. Strong veto 0.2 and 0.3 miss the same
(pooled 1, honest views 45 each; 49 against 48 and 171 against 170 alarms): 0.2 stays.

Twenty-seventh round (holdout27 added): its view with the rules of 4861362 catches 203/206 with 9/243
alarms, as measured on it untouched. Pooled over twenty-nine pairs: 5 missed / 57 alarms with the rules
of 56611d7 (holdout27's three misses: sorry for the trouble all along and where the money was left;
nobody needed after tonight; an old person kept under the stilt house; and nobody would miss me and a
rope), 1 / 49 after the round's classes (those four; a cleaner drunk on purpose; a slide that "hit"
houses, a child whipped with a belt; the news as a frame; a baby's name, grilled food, football's
defence, a fire to grill by, a small kitchen fire put out at once, calm again after crying, a faint
pretended). Honest views: 50 missed / 175 alarms either way (each view keeps its old rules). Still
missed: holdout5's lost grandmother (p 0.39). Strong veto 0.2 and 0.3: pooled 1 against 2 missed (49
against 46 alarms), honest views 50 against 51 (175 against 171 alarms): 0.2 stays. The retrained
fallback read a test's "my cousin was sold as a bride" at 0.18, under the veto: a person sold to be
married is said in earnest now (locales/*/danger.yaml `earnest`), which the snapshot over every stored
corpus leaves unchanged; making a strong trafficking statement never vetoed instead would have flagged
two past stories (holdout13, holdout25).

Twenty-eighth round (holdout28 added): its view with the rules of a33b956 catches 193/196 with 3/221
alarms, as measured on it untouched. Pooled over thirty pairs: 5 missed / 49 alarms with the rules of
a33b956 (holdout28's three misses: don't look for me tomorrow and a cat handed on; thirty paracetamol
and "I already took them" after a question; an escaped patient "again", now armed, read as a settled
story; and holdout18's children locked in when the daycare minder did not come, p 0.95 under the 0.95
rescue of a message said to be well), 1 / 46 after the round's classes (those four; "jgn" read as
"jangan"; locked in with a blade; a child or an old person locked in for days, neglect first; beaten as
a child and close since; a kite gone with the wind; a football match). A weapon at hand with "now"
beside a mental disorder's or a beating's alarm is never vetoed (detector.py Reading.armed): LOCO's fold
model read the armed patient at 0.15, and this module reads the detector's `unvetoed` first for it, as
the detector does. Honest views: 50 missed / 176 alarms either way. Still missed: holdout5's lost
grandmother (p 0.35). Strong veto 0.2 and 0.3: pooled 1 against 2 missed (46 against 44 alarms), honest
views 50 against 51 (176 against 173 alarms): 0.2 stays.

Twenty-ninth round (holdout29 added): its view with the rules of 95a04f1 catches 210/210 with 4/232
alarms, as measured on it untouched. Pooled over thirty-one pairs: 1 missed / 53 alarms with the rules
of 95a04f1, 1 / 50 after the round's classes (a kerosene stove's blue flame; volleyball's "bunuh
bolanya"; a missing cat; "waktu bayi" a childhood; "apa bisa kambuh lagi?" asked, no relapse; locked in
"sendirian", neglect first). The neglect rules' "unless" of a lost thing now counts only a thing named
at most four words before "hilang" (or lost by the person, "kehilangan hp"): any such word in the
sentence had cancelled a missing child ("anak saya hilang waktu beli sepatu di pasar" got no answer at
all); on every stored corpus no harmless message more, four crisis messages now neglect first. Honest
views: 47 missed / 174 alarms either way. Still missed: holdout5's lost grandmother (p 0.37). Strong
veto 0.2 and 0.3: pooled 1 against 2 missed (50 against 47 alarms), honest views 47 against 48 (174
against 171 alarms): 0.2 stays.

Thirtieth to thirty-second rounds (holdout30, holdout31, holdout32 added in turn), pooled before and
after each round's classes: 3 missed / 57 alarms with the rules of acecee9, 2 / 48 after; 4 / 61 with
the rules of 83d2246, 2 / 50 after; 5 / 59 with the rules and policy of c7cce51, 2 / 52 after. The
thirty-second round's policy: a figure of speech that held every danger word ("I") is rescued at
benign_rescue, as a message said to be well is; it was never rescued (holdout32's farewell "kunci rumah
sy taruh di bawah pot ya, besok tolong ada yg bukain pintunya" read as the idiom "kunci rumah", p 0.99).
A settled and dated story ("D") is still never rescued. Honest views 60 missed / 194 alarms before,
55 / 194 after. Still missed: holdout5's lost grandmother (p 0.37, the training marker "pengajian") and
its children unconscious after a generator ran in a closed room (vetoed at p 0.16)."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from handlers import heldout_rounds

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
BENCH = ROOT / "benchmarks" / "data"
PAIRS = {
    "first": (DATA / "crisis_messages.tsv", DATA / "harmless_messages.tsv"),
    "fresh": (DATA / "crisis_messages_fresh.tsv", DATA / "harmless_messages_fresh.tsv"),
    "extra": (DATA / "crisis_messages_extra.tsv", DATA / "harmless_messages_extra.tsv"),
    "final": (BENCH / "crisis_messages_final.tsv", BENCH / "harmless_messages_final.tsv"),
    "holdout4": (BENCH / "crisis_messages_holdout4.tsv", BENCH / "harmless_messages_holdout4.tsv"),
    "holdout5": (BENCH / "crisis_messages_holdout5.tsv", BENCH / "harmless_messages_holdout5.tsv"),
    "train6": (BENCH / "crisis_messages_train6.tsv", BENCH / "harmless_messages_train6.tsv"),
    **{
        f"holdout{n}": (
            BENCH / f"crisis_messages_holdout{n}.tsv",
            BENCH / f"harmless_messages_holdout{n}.tsv",
        )
        for n in heldout_rounds.TUNING
    },
}
# The rules as they were when each held-out pair was measured untouched: the one honest view of the
# rules (and of how the model's probability should overrule them) on text they were not tuned on.
BEFORE = {
    "holdout4": "556d832",
    "holdout5": "a6e2401",
    "holdout6": "9e60f2c",
    "holdout7": "c0211d1",
    "holdout8": "62723e3",
    "holdout9": "50ab00d",
    "holdout10": "adce80a",
    "holdout11": "641b1cf",
    "holdout12": "f4de7f5",
    "holdout13": "fd7401d",
    "holdout14": "2ae145b",
    "holdout15": "e1c146b",
    "holdout16": "d4e44e1",
    "holdout17": "76a60af",
    "holdout18": "32c24f5",
    "holdout19": "d48f132",
    "holdout20": "04decc5",
    "holdout21": "a097d2f",
    "holdout22": "43eb257",
    "holdout23": "e80acc1",
    "holdout24": "e74bd8f",
    "holdout25": "6daa1a3",
    "holdout26": "6fd8593",
    "holdout27": "4861362",
    "holdout28": "a33b956",
    "holdout29": "95a04f1",
    "holdout30": "2e8dc38",
    "holdout31": "83d2246",
    "holdout32": "c7cce51",
}
Policy = tuple[float, float, float | None, float | None, float | None]  # t, V, R, S, now veto U
# The strictly urgent words that only say "now" (locales/*/danger.yaml `now`), for older detectors.
NOW_WORDS = ("sekarang", "sedang", "saat ini", "malam ini", "now", "right now")
NEWEST = "train6"  # the newest pair: today's rules were not yet tuned on it when the policy was chosen
OLD_FILES = (
    "handlers/__init__.py",
    "handlers/safety/__init__.py",
    "handlers/safety/detector.py",
    "handlers/safety/model.py",
    "locales/id/danger.yaml",
    "locales/en/danger.yaml",
)
STRONG = 2  # detector.STRENGTHS["strong"]


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def messages() -> list[tuple[str, int, str, str]]:
    """(pair, 1 = crisis / 0 = harmless, text, context) for every message of the five pairs."""
    out = []
    for name, (crisis, harmless) in PAIRS.items():
        for label, path in ((1, crisis), (0, harmless)):
            for row in rows(path):
                context = "record" if row.get("context") == "report_note" else "chat"
                out.append((name, label, row["text"], context))
    return out


# "C" caught, "R" read as harmless or settled, "I" read as a figure of speech, "D" a settled and dated
# story (never rescued), "F" passed to the fallback, "H" said to be well; a strong rule counted; never
# vetoed as before the eighth round (a strictly urgent word, a strong statement of suicide, disaster or
# violence, a bare statement); and whether that was only for an urgent word that says nothing but "now"
# (no plea: the round's veto U).
Status = tuple[str, bool, bool, bool]


def _now_only(detector: Any, text: str) -> bool:
    """Whether the strictly urgent words of `text` only say "now" (read with `detector`'s own terms)."""
    try:
        spans = detector._matches(detector.reader.tokens(text))
        term_ids = detector._term_ids
        urgent = detector._markers["urgent_strict"].intersection(spans)
    except AttributeError:  # an older detector: no such reading
        return False
    now = {term_ids.get(tuple(word.split())) for word in NOW_WORDS}
    return bool(urgent) and urgent <= now


def rule_statuses(locales: Path, texts: Sequence[tuple[str, str]]) -> list[Status]:
    """Per (text, context): what the rules alone make of it — "C" caught, "R" read (no danger and not
    passed to the fallback), "F" passed to the fallback — and whether a strong rule counted."""
    from handlers.safety import detector as detector_module
    from handlers.safety.detector import DangerDetector

    detector = DangerDetector.load(locales)
    model, detector.model = detector.model, None
    strong_only = None
    try:
        out = []
        for text, context in texts:
            text = text[:4000]
            read = getattr(detector, "_read_rules", None)
            if read is not None:
                found = read(text, context)
                kinds, strong = (None, False) if found is None else (found[0], found[1] >= STRONG)
                # A figure of speech: rescued only at benign_rescue (thirty-second round on); a
                # settled and dated story: read, never rescued.
                figure = bool(getattr(found, "figure", False))
                dated = bool(getattr(found, "dated", False))
                never = getattr(detector_module, "unvetoed", None)  # absent from older detectors
                urgent = found is not None and never is not None and never(found, text)
                now = False
                if found is not None and never is not None and getattr(found, "urgent", False):
                    # As before the eighth round, any strictly urgent word makes the alarm unvetoed.
                    calm = found._replace(urgent=False, **({"plea": False} if hasattr(found, "plea") else {}))
                    only = not never(calm, text)
                    urgent = True
                    # The detector's own reading when it has one (eighth round on); older ones are
                    # read with today's "now" words.
                    plea = getattr(found, "plea", None)
                    now = only and (not plea if plea is not None else _now_only(detector, text))
                    if (
                        now
                        and hasattr(detector_module, "_ARMED_KINDS")
                        and never(found._replace(plea=False), text)
                    ):
                        # Twenty-eighth round on: a weapon at hand with "now" is never vetoed
                        # (detector.py Reading.armed), as the detector checks `unvetoed` first.
                        now = False
            else:  # an older detector: the strong rules alone tell whether a strong one counted
                urgent = figure = dated = now = False
                kinds = detector._assess_rules(text, context)
                if strong_only is None:
                    strong_only = DangerDetector._from_files(sorted(locales.glob("*/danger.yaml")), None)
                    strong_only._rules = tuple(r for r in strong_only._rules if r.strength == STRONG)
                strong = bool(kinds) and bool(strong_only._assess_rules(text, context))
            # Said to be well (older detectors: a feeding problem that lasts): no fallback, and no
            # rescue of a settled message (ninth round) unless the model is all but certain.
            benign: Callable[[str], bool] | None = getattr(detector, "_benign", None) or getattr(
                detector, "_chronic", None
            )
            said_well = benign is not None and benign(text)
            if kinds is None:
                out.append(("H" if said_well else "F", False, False, False))
            else:
                state = "C" if kinds else ("D" if dated else "I" if figure else ("H" if said_well else "R"))
                out.append((state, strong, urgent, now))
        return out
    finally:
        detector.model = model


# Commits whose detector reads hashed.py (new in the eighth round).
HASHED = (
    "62723e3",
    "50ab00d",
    "adce80a",
    "641b1cf",
    "f4de7f5",
    "fd7401d",
    "2ae145b",
    "e1c146b",
    "d4e44e1",
    "76a60af",
    "32c24f5",
    "d48f132",
    "04decc5",
    "a097d2f",
    "43eb257",
    "e80acc1",
    "e74bd8f",
    "6daa1a3",
    "6fd8593",
    "4861362",
    "a33b956",
    "95a04f1",
    "2e8dc38",
    "83d2246",
    "c7cce51",
)


def _old_statuses(commit: str, texts: Sequence[tuple[str, str]]) -> list[Status] | None:
    """The rules of `commit`, read in a separate interpreter from that commit's files."""
    # Imported here: this module itself runs again in the old tree, which has no such module.
    from handlers.old_version import run_at_commit

    extra = {"loco_statuses.py": Path(__file__).read_text(encoding="utf-8")}
    code = "import loco_statuses; loco_statuses._print_statuses()"
    files = OLD_FILES + (("handlers/safety/words.py",) if commit != BEFORE["holdout4"] else ())
    files += ("handlers/safety/hashed.py",) if commit in HASHED else ()
    found = run_at_commit(commit, files, extra, code, texts)
    if found is None:
        return None
    return [(state, bool(strong), bool(never), bool(now)) for state, strong, never, now in found]


def _print_statuses() -> None:
    texts = json.loads(Path("texts.json").read_text(encoding="utf-8"))
    print(json.dumps(rule_statuses(Path("locales"), [tuple(t) for t in texts])))


def loco_probabilities(msgs: list[tuple[str, int, str, str]]) -> list[float]:
    """For each message, the fallback's probability of danger when trained without its pair."""
    from handlers.safety.model import NgramModel
    from handlers.safety.train import fit, plain_negatives

    questions = plain_negatives()
    out = [0.0] * len(msgs)
    for name in PAIRS:
        train = [m for m in msgs if m[0] != name]
        crisis = [{"text": m[2], "kind": _kind_of(m)} for m in train if m[1]]
        negatives = [m[2] for m in train if not m[1]] + questions
        model = NgramModel(fit(crisis, negatives, threshold=0.5))
        for i, m in enumerate(msgs):
            if m[0] == name:
                out[i] = model.danger(m[2][:4000])
    return out


_KINDS: dict[str, str] = {}


def _kind_of(m: tuple[str, int, str, str]) -> str:
    return _KINDS[m[2]]


def _alarm(
    status: Status,
    context: str,
    p: float,
    t: float,
    veto: float | None,
    rescue: float | None = None,
    strong_veto: float | None = None,
    now_veto: float | None = None,
    *,
    benign_rescue: float = 2.0,
) -> bool:
    """The detector's decision (detector.py `assess`) from the rules' status and the model's p."""
    state, strong, never, now = status
    if state == "C":
        if context != "chat":
            return True
        if now and now_veto is not None:  # urgent only for a bare "now": the lower floor
            return p >= now_veto
        if never:
            return True
        if strong:
            return not (strong_veto is not None and p < strong_veto)
        return not (veto is not None and p < veto)
    if state == "R":  # read as settled: only the rescue flags it
        return rescue is not None and context == "chat" and p >= rescue
    if state in ("H", "I"):  # said to be well, or a figure of speech: only a model all but certain
        return context == "chat" and p >= benign_rescue
    return state == "F" and context == "chat" and p >= t


def figures(
    msgs: list[tuple[str, int, str, str]],
    decide: Callable[[int], bool],
    pairs: Sequence[str] = tuple(PAIRS),
) -> tuple[str, tuple[int, int, int, int]]:
    parts, total = [], [0, 0, 0, 0]
    for name in pairs:
        tp = n1 = fa = n0 = 0
        for i, m in enumerate(msgs):
            if m[0] != name:
                continue
            hit = decide(i)
            if m[1]:
                n1, tp = n1 + 1, tp + hit
            else:
                n0, fa = n0 + 1, fa + hit
        parts.append(f"{name} {tp}/{n1} caught, {fa}/{n0} alarms")
        total = [total[0] + tp, total[1] + n1, total[2] + fa, total[3] + n0]
    tp, n1, fa, n0 = total
    pooled = f"POOLED recall {tp / n1:.1%} ({n1 - tp} missed), false alarms {fa / n0:.1%} ({fa})"
    return "; ".join(parts) + "\n      " + pooled, (tp, n1, fa, n0)


def main(
    threshold: float,
    veto: float,
    rescue: float | None = None,
    strong_veto: float | None = None,
    now_veto: float | None = None,
    benign_rescue: float = 2.0,
) -> None:
    msgs = messages()
    for crisis, _ in PAIRS.values():
        _KINDS.update({r["text"]: r["kind"] for r in rows(crisis)})
    texts = [(m[2], m[3]) for m in msgs]
    statuses = rule_statuses(ROOT / "locales", texts)
    probability = loco_probabilities(msgs)

    def decide(found: Sequence[Status], policy: Policy) -> Callable[[int], bool]:
        return lambda i: _alarm(found[i], msgs[i][3], probability[i], *policy, benign_rescue=benign_rescue)

    def show(label: str, decide: Callable[[int], bool], pairs: Sequence[str] = tuple(PAIRS)) -> None:
        print(f"  {label}: " + figures(msgs, decide, pairs)[0])

    chosen: Policy = (threshold, veto, rescue, strong_veto, now_veto)
    print(
        f"LOCO, threshold t={threshold}, veto V={veto}, rescue R={rescue}, strong veto S={strong_veto}, "
        f"now veto U={now_veto}:"
    )
    show("rules alone", lambda i: statuses[i][0] == "C")
    show("model alone", lambda i: msgs[i][3] == "chat" and probability[i] >= threshold)
    show("rules + model", decide(statuses, (threshold, -1.0, None, None, None)))
    chosen_decide = decide(statuses, chosen)
    show("rules + model + policy", chosen_decide)
    if os.environ.get("LOCO_SHOW_MISSES") == "1":  # tuning pairs only: their lines may be read
        for i, m in enumerate(msgs):
            if m[1] and not chosen_decide(i):
                print(f"    missed ({m[0]}, p {probability[i]:.2f}, {statuses[i][0]}): {m[2]}")
    caught = sorted(
        (probability[i], m[0], m[2][:60])
        for i, m in enumerate(msgs)
        if m[1] and statuses[i][0] == "C" and m[3] == "chat"
    )
    if caught:
        p, name, text = caught[0]
        print(f"  lowest LOCO probability of a crisis a rule caught: {p:.3f} ({name}: {text!r})")
    old = {name: _old_statuses(commit, texts) for name, commit in BEFORE.items()}
    for name, found in old.items():
        if found is None:
            print(f"  rules of {BEFORE[name]}: not available (git)")
            continue
        show(f"rules of {BEFORE[name]} + model", decide(found, (threshold, -1.0, None, None, None)), [name])
        show(f"rules of {BEFORE[name]} + model + policy", decide(found, chosen), [name])
    print("Sweep (pooled over every pair with today's rules; then each held-out pair with its old rules):")
    grid: list[Policy] = [
        (t, v, r, sv, u)
        for t in (0.6, 0.7, 0.75, 0.8)
        for v in (0.05, 0.2, 0.3, 0.4)
        for r in (None, 0.65, 0.75, 0.85)
        for sv in (None, 0.2, 0.3)
        for u in (None, 0.1, 0.2, 0.3)
    ]
    for policy in grid:
        _, (tp, n1, fa, _) = figures(msgs, decide(statuses, policy))
        t, v, r, sv, u = policy
        line = f"  t={t} V={v} R={r} S={sv} U={u}: {n1 - tp} missed, {fa} alarms"
        _, (ntp, nn1, nfa, nn0) = figures(msgs, decide(statuses, policy), [NEWEST])
        line += f"; {NEWEST} {nn1 - ntp} missed, {nfa}/{nn0} alarms"
        for name, found in old.items():
            if found is not None:
                _, (otp, on1, ofa, on0) = figures(msgs, decide(found, policy), [name])
                line += f"; {name} (old rules) {on1 - otp} missed, {ofa}/{on0} alarms"
        print(line)
