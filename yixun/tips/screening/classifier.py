"""A small logistic regression over what `reading.read` finds in a tip, trained on the spam
corpus's training part and shipped in `spam_model.json` (`manage.py train_spam` rebuilds it,
the same to the digit). Beside each weight the file keeps how many spam and real training tips
had the feature: the moderators' lessons are counted against those (see `lesson_shift`)."""

import json
import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from yixun.tips.screening.reading import Reading

MODEL_PATH = Path(__file__).with_name("spam_model.json")
CORPUS_PATH = Path(__file__).parents[1] / "tests" / "spam_corpus" / "train.jsonl"

MIN_COUNT = 2  # an n-gram seen in one training tip says more about its writer than about spam
EPOCHS = 30
RATE = 0.05
L2 = 0.01
SEED = 10  # the order the examples are shown in: fixed, so a retrain gives the same file
SMOOTHING = 0.5
LESSON_CAP = 5  # the most lessons any one n-gram counts, each way: see `lesson_shift`
# How far lessons that judged all of a tip's wording move it: three marks of an ad worded as the
# corpus never saw send tips like it to the spam folder, and three restores of tips that quote a
# gambling ad do not let the ad itself through (test_spam_learning.py).
LESSON_WEIGHT = 6.0


@dataclass(frozen=True)
class Model:
    bias: float
    spam_docs: int
    real_docs: int
    weights: Mapping[str, float]
    counts: Mapping[str, tuple[int, int]]  # feature → (spam tips with it, real tips with it)


def train(examples: Iterable[tuple[Reading, bool]]) -> Model:
    """Stochastic gradient descent on the log loss with an L2 penalty; features are present or
    absent, each counted once per tip."""
    docs = [(sorted(set(reading.features)), is_spam) for reading, is_spam in examples]
    counts: dict[str, list[int]] = {}
    for features, is_spam in docs:
        for feature in features:
            counts.setdefault(feature, [0, 0])[0 if is_spam else 1] += 1
    kept = {f for f, (s, r) in counts.items() if f.startswith("§") or s + r >= MIN_COUNT}
    docs = [([f for f in features if f in kept], is_spam) for features, is_spam in docs]
    weights = dict.fromkeys(sorted(kept), 0.0)
    bias = 0.0
    order = list(range(len(docs)))
    shuffle = random.Random(SEED).shuffle  # noqa: S311 - an order to train in, not a secret
    for _epoch in range(EPOCHS):
        shuffle(order)
        for i in order:
            features, is_spam = docs[i]
            z = bias + math.fsum(weights[f] for f in features)
            error = sigmoid(z) - (1.0 if is_spam else 0.0)
            bias -= RATE * error
            for f in features:
                weights[f] -= RATE * (error + L2 * weights[f])
    return Model(
        bias=round(bias, 4),
        spam_docs=sum(is_spam for _, is_spam in docs),
        real_docs=sum(not is_spam for _, is_spam in docs),
        weights={f: w for f in kept if (w := round(weights[f], 4))},
        counts={f: (counts[f][0], counts[f][1]) for f in kept},
    )


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def log_odds(model: Model, features: Iterable[str]) -> float:
    """The shipped classifier's log-odds (nats) that the tip is spam."""
    return model.bias + math.fsum(model.weights.get(f, 0.0) for f in set(features))


def lesson_shift(model: Model, lessons: Mapping[str, tuple[int, int]], *, out_of: int) -> float:
    """How far the moderators' lessons move a tip's log-odds (nats). For each of the tip's
    n-grams, the change in its naive Bayes evidence (the log of its spam rate over its real
    rate) once its lessons are added to the training counts; the mean over all `out_of` n-grams
    of the tip, times LESSON_WEIGHT.

    Two bounds keep one moderator from teaching a word alone: each n-gram counts at most
    LESSON_CAP lessons each way, so one the corpus saw often (微信, in ads and in fraud victims'
    tips alike) barely moves however often it is marked; and a tip moves in proportion to how
    much of its wording the lessons have judged, so lessons on 加微信 move a victim's
    account of forty words by little, while an ad worded like one marked three times, or a tip
    like one restored, moves all the way."""
    if not out_of:
        return 0.0
    spam_total = model.spam_docs + LESSON_CAP + 2 * SMOOTHING
    real_total = model.real_docs + LESSON_CAP + 2 * SMOOTHING

    def evidence(spam: int, real: int) -> float:
        return math.log((spam + SMOOTHING) / spam_total) - math.log((real + SMOOTHING) / real_total)

    change = 0.0
    for feature, (learned_spam, learned_real) in sorted(lessons.items()):
        spam, real = model.counts.get(feature, (0, 0))
        taught = evidence(
            spam + min(learned_spam, LESSON_CAP), real + min(learned_real, LESSON_CAP)
        )
        change += taught - evidence(spam, real)
    return LESSON_WEIGHT * change / out_of


def dumps(model: Model) -> str:
    """The model as the repository keeps it: one feature a line, sorted, so a retrain diffs."""
    lines = [
        "{",
        f'"bias": {model.bias}, "spam_docs": {model.spam_docs}, "real_docs": {model.real_docs},',
        '"features": {',
    ]
    items = sorted(model.counts)
    for i, feature in enumerate(items):
        spam, real = model.counts[feature]
        weight = model.weights.get(feature, 0.0)
        comma = "," if i < len(items) - 1 else ""
        lines.append(
            f"{json.dumps(feature, ensure_ascii=False)}: [{weight}, {spam}, {real}]{comma}"
        )
    lines += ["}", "}"]
    return "\n".join(lines) + "\n"


def loads(text: str) -> Model:
    data = json.loads(text)
    features = data["features"]
    return Model(
        bias=float(data["bias"]),
        spam_docs=int(data["spam_docs"]),
        real_docs=int(data["real_docs"]),
        weights={f: float(w) for f, (w, _s, _r) in features.items() if w},
        counts={f: (int(s), int(r)) for f, (_w, s, r) in features.items()},
    )


@cache
def shipped() -> Model:
    """The model in the repository, read once per process: it changes only with a deploy."""
    return loads(MODEL_PATH.read_text(encoding="utf-8"))


def rows(path: Path = CORPUS_PATH) -> list[dict]:
    """A labelled corpus, one {"text", "spam", "kind"} object a line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def train_corpus(path: Path = CORPUS_PATH) -> Model:
    """Train on a labelled corpus. Tips the gibberish rule catches are left out: that rule needs
    no help, and they would teach the classifier that Latin letters are spam, which an English
    tip is not."""
    from yixun.lib.text import normalise
    from yixun.tips.screening.reading import read

    readings = [(read(normalise(row["text"])), bool(row["spam"])) for row in rows(path)]
    return train((reading, is_spam) for reading, is_spam in readings if not reading.is_gibberish)
