"""The spam score of a tip, with its reasons, and the lessons the moderators teach it.

A tip is read (`screening.reading`) for the families of spam a public tip box in China gets
(adult-site keyword stuffing, gambling, loans, fake invoices, "part-time" click farming, QR-code
and WeChat-contact ads, other ads), for its shape (a list of short keywords or sentences), its
disguises and its handles. A small classifier trained on the spam corpus weighs all of that
against the words of a person telling what happened, so that a fraud victim quoting the
scammer's 兼职刷单 and 加微信 stays in the queue. Links, the officers' screening lists, text sent
again and gibberish add their points as before. Text is compared normalised (simplified,
half-width), so a tip in traditional characters or full-width forms reads the same.

A high score only sends a tip to the spam folder, where moderators can restore it: nothing is
ever dropped. Their "this is spam" and "restore" are lessons (`learn`) that move later tips
like it, within bounds."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F

from yixun.tips.models import LearnedFeature, ScreeningTerm
from yixun.tips.screening import classifier, lexicons
from yixun.tips.screening.reading import Reading, read

# The classifier's points follow its probability that the tip is spam, leaned LEAN nats toward
# spam and made STEEPER: from CLASSIFIER_POINTS[0] for a tip that plainly tells what happened, to
# CLASSIFIER_POINTS[1] for a plain ad, about +30 at even odds. Down to -100 because a fraud
# victim's account may carry every word on the officers' default lists (兼职, 刷单, 日赚, 加微信:
# 80 points) and must still reach the queue. Chosen by cross-validation on the corpus's
# training part, with the default screening lists and threshold (60).
CLASSIFIER_POINTS = (-100, 80)
STEEPER = 2.0
LEAN = 0.5
LINK_POINTS, LINKS_POINTS = 35, 60
REPEATED_POINTS = 40
GIBBERISH_POINTS = 60
# The wording a lesson is taken from and looked up for: enough for any ad, and a bound on what
# one long tip writes and queries.
LESSON_FEATURES = 1500
LEARNED_MINIMUM = 5
BATCH = 500


@dataclass
class Score:
    value: int = 0
    reasons: list[str] = field(default_factory=list)

    def add(self, points: int, reason: str) -> None:
        self.value += points
        self.reasons.append(reason)


@dataclass(frozen=True)
class Term:
    kind: str
    term: str
    normalised: str
    weight: int


def score(normalised: str, *, repeated: bool = False) -> Score:
    """Score normalised text (see `lib.text.normalise`). Two queries: the screening lists and
    the lessons learned about this text's wording."""
    reading = read(normalised)
    terms = [
        Term(*row)
        for row in ScreeningTerm.objects.values_list("kind", "term", "normalised", "weight")
    ]
    return judge(
        normalised,
        reading=reading,
        terms=terms,
        lessons=_lessons(reading.grams[:LESSON_FEATURES]),
        repeated=repeated,
    )


def judge(
    normalised: str,
    *,
    reading: Reading,
    terms: Iterable[Term],
    lessons: Mapping[str, tuple[int, int]],
    repeated: bool = False,
    model: classifier.Model | None = None,
) -> Score:
    """The score from what was read, the screening lists and the lessons; no database."""
    model = model or classifier.shipped()
    found = Score()
    if reading.links:
        found.add(min(LINKS_POINTS, LINK_POINTS * reading.links), "link")
    for term in terms:
        if term.normalised and term.normalised in normalised:
            found.add(term.weight, f"{term.kind}:{term.term}")
    _classify(found, reading, model, lessons)
    found.value = max(0, found.value)  # a plain account cancels words, not a resend or mashing
    if repeated:
        found.add(REPEATED_POINTS, "repeated")
    if reading.is_gibberish:
        found.add(GIBBERISH_POINTS, "gibberish")
    found.value = min(found.value, 100)
    return found


def _classify(
    found: Score, reading: Reading, model: classifier.Model, lessons: Mapping[str, tuple[int, int]]
) -> None:
    """The classifier's points, under the families it found (the reasons moderators read), or
    as "narrative" when the tip reads as a person's account; what the lessons add is "learned"."""
    odds = classifier.log_odds(model, reading.features)
    shift = classifier.lesson_shift(model, lessons, out_of=min(len(reading.grams), LESSON_FEATURES))
    total = _points(odds + shift)
    learned = total - _points(odds)
    if abs(learned) < LEARNED_MINIMUM:  # rounding, or lessons on a word or two: not a reason
        learned = 0
    if total > 0:
        for family in lexicons.REASONS:
            if family in reading.families:
                found.add(0, family)
    if learned:
        found.add(learned, "learned")
    if total - learned:
        found.add(total - learned, "classifier" if total - learned > 0 else "narrative")


def _points(log_odds: float) -> int:
    low, high = CLASSIFIER_POINTS
    return round(low + (high - low) * classifier.sigmoid(STEEPER * (log_odds + LEAN)))


def _lessons(grams: list[str]) -> dict[str, tuple[int, int]]:
    if not grams:
        return {}
    rows = LearnedFeature.objects.filter(feature__in=grams).values_list("feature", "spam", "real")
    return {feature: (spam, real) for feature, spam, real in rows}


def learn(*, normalised: str, is_spam: bool) -> None:
    """Count a moderator's verdict on a tip's wording: `is_spam` when they move it to the spam
    folder, not when they restore it. Later tips worded like it score higher or lower, within
    the bounds of `classifier.lesson_shift`: no run of verdicts on one word (微信) outweighs
    what the corpus knows about it, or moves a tip that says much else."""
    grams = sorted(set(read(normalised).grams[:LESSON_FEATURES]))  # one lock order for all
    if not grams:
        return
    side = "spam" if is_spam else "real"
    with transaction.atomic():
        LearnedFeature.objects.bulk_create(
            [LearnedFeature(feature=gram) for gram in grams],
            ignore_conflicts=True,  # learned before, or by a moderator at the same moment
            batch_size=BATCH,
        )
        for start in range(0, len(grams), BATCH):
            LearnedFeature.objects.filter(feature__in=grams[start : start + BATCH]).update(
                **{side: F(side) + 1}
            )
