"""The screening measured on the held-out part of the spam corpus, through the path the intake
takes (`screening.score` on `normalise`d text, the migrated screening lists in the database, the
threshold of TipRules): at least 97 % of the spam goes to the spam folder and at most 1 % of the
real tips do. The held-out part was committed before any tuning and is never trained on."""

import json
import time
from pathlib import Path

import pytest

from yixun.lib.text import normalise
from yixun.tips.models import ScreeningTerm, TipRules
from yixun.tips.screening import classifier
from yixun.tips.services.screening import score

CORPUS = Path(__file__).with_name("spam_corpus")


def rows(part: str) -> list[dict]:
    with open(CORPUS / f"{part}.jsonl", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture
def production_lists(db: None) -> None:
    """The screening lists as a new association has them: the ones migration 0002 adds."""
    assert ScreeningTerm.objects.filter(term__in=["代开", "刷单", "加微信", "傻逼"]).count() == 4


def test_the_corpus_is_big_enough_and_its_parts_do_not_overlap() -> None:
    train, heldout = rows("train"), rows("heldout")
    for part in (train + heldout, heldout):
        spam = [row for row in part if row["spam"]]
        real = [row for row in part if not row["spam"]]
        assert len(spam) >= (250 if part is not heldout else 100)
        assert len(real) >= (250 if part is not heldout else 100)
    kinds = {row["kind"] for row in train + heldout if row["spam"]}
    assert {"adult", "gambling", "loan", "invoice", "click_farming", "contact_ad"} <= kinds
    assert "gibberish" in kinds
    assert not {normalise(row["text"]) for row in train} & {
        normalise(row["text"]) for row in heldout
    }


def test_the_held_out_spam_goes_to_the_spam_folder_and_the_real_tips_stay(
    production_lists: None,
) -> None:
    threshold = TipRules.current().spam_threshold
    missed, flagged = [], []
    heldout = rows("heldout")
    for row in heldout:
        found = score(normalise(row["text"]))
        if row["spam"] and found.value < threshold:
            missed.append((found.value, found.reasons, row["text"]))
        if not row["spam"] and found.value >= threshold:
            flagged.append((found.value, found.reasons, row["text"]))
    spam = sum(row["spam"] for row in heldout)
    real = len(heldout) - spam
    caught = 1 - len(missed) / spam
    assert caught >= 0.97, missed
    assert len(flagged) / real <= 0.01, flagged


def test_scoring_is_fast_and_takes_two_queries(
    production_lists: None, django_assert_max_num_queries
) -> None:
    """It runs on every tip taken in. The budget is loose (a shared, busy machine); a tip
    takes about a millisecond."""
    texts = [normalise(row["text"]) for row in rows("train") + rows("heldout")]
    for word in ("代开发票", "兼职", "百家乐", "裸聊", "秒到账"):  # officers' lists grow
        ScreeningTerm.objects.get_or_create(kind="advertising", normalised=word, term=word)
    with django_assert_max_num_queries(2):
        score(texts[0])
    started = time.perf_counter()
    for text in texts:
        score(text)
    assert (time.perf_counter() - started) / len(texts) < 0.02


def test_the_shipped_model_is_what_training_on_the_training_part_gives() -> None:
    """`manage.py train_spam` rebuilds the model file from train.jsonl alone, to the digit."""
    assert classifier.dumps(classifier.train_corpus()) == classifier.MODEL_PATH.read_text(
        encoding="utf-8"
    )
    assert classifier.CORPUS_PATH == CORPUS / "train.jsonl"
