"""The moderators' "this is spam" and "restore" teach the screening (`screening.learn`), within
bounds: wording marked a few times sends tips worded like it to the spam folder, a restore takes
that back, and one moderator marking 微信 over and over does not send fraud victims there."""

import pytest

from yixun.lib.text import normalise
from yixun.tips.models import LearnedFeature, TipRules
from yixun.tips.services.screening import learn, score

# A kind of advertising the corpus never saw, written in sentences, as a shop would.
TEA_ADS = [
    "鸿福茶庄新茶上市，明前龙井礼盒装，顺丰包邮",
    "鸿福茶庄，明前龙井新茶到了，礼盒包邮到家",
    "新茶上市！鸿福茶庄龙井碧螺春礼盒，全国包邮",
]
LATER_TEA_AD = "鸿福茶庄明前龙井上市了，礼盒装顺丰包邮"
FRAUD_VICTIMS = [
    "对方说做兼职刷单日赚300，让我加微信，先刷了几单返了钱，后来让我垫付大单，我被骗了5000元，怎么办",
    "我表姐加了一个人的微信，对方说带她投资，结果被骗了两万",
    "对方让我加他微信，说可以帮我退款，后来把我卡里的钱转走了",
    "有人加我微信说是我的同学，借钱说急用，我转了800",
]


@pytest.fixture
def threshold(db: None) -> int:
    return TipRules.current().spam_threshold


def points(text: str) -> int:
    return score(normalise(text)).value


def test_wording_marked_spam_a_few_times_sends_tips_like_it_to_the_spam_folder(
    threshold: int,
) -> None:
    assert points(LATER_TEA_AD) < threshold  # the shipped model does not know it
    for ad in TEA_ADS:
        learn(normalised=normalise(ad), is_spam=True)
    learned = score(normalise(LATER_TEA_AD))
    assert learned.value >= threshold
    assert "learned" in learned.reasons
    assert points("明前龙井新茶上市，礼盒包邮，欢迎选购") >= threshold  # worded otherwise, still
    assert points("菜市场门口有人打架，已经有人受伤") < threshold  # and nothing else


def test_a_restore_teaches_the_other_way(threshold: int) -> None:
    for ad in TEA_ADS:
        learn(normalised=normalise(ad), is_spam=True)
    assert points(LATER_TEA_AD) >= threshold
    for ad in TEA_ADS:
        learn(normalised=normalise(ad), is_spam=False)
    assert points(LATER_TEA_AD) < threshold


def test_restoring_tips_that_quote_an_ad_does_not_let_the_ad_through(threshold: int) -> None:
    """People forward the gambling ads they get, and moderators restore those tips; the ad
    itself, a list of keywords with no one telling anything, still goes to the spam folder."""
    forwarded = [
        "群里有人发：澳门新葡京百家乐首充送100%，真人荷官在线发牌",
        "村里微信群有人发这个：“百家乐 真人荷官 首充送彩金”，很多老人在群里",
        "群里有人发广告：新葡京娱乐 首存送彩金 百家乐",
    ]
    assert points(forwarded[0]) >= threshold  # what the moderators restore
    for tip in forwarded:
        learn(normalised=normalise(tip), is_spam=False)
    assert points("我们小区群里有人发：新葡京百家乐，真人荷官，首充送彩金，请查一下") < threshold
    assert points("澳门新葡京 百家乐 真人荷官在线发牌 首充送100% 注册即送888") >= threshold


def test_one_angry_moderator_cannot_make_weixin_alone_send_fraud_victims_to_spam(
    threshold: int,
) -> None:
    before = [points(text) for text in FRAUD_VICTIMS]
    assert max(before) < threshold
    for _ in range(50):
        for word in ("微信", "加微信", "加我微信", "微信号", "加v", "vx"):
            learn(normalised=normalise(word), is_spam=True)
    after = [points(text) for text in FRAUD_VICTIMS]
    assert max(after) < threshold
    # Bounded, not merely lucky: the lessons moved no victim's score by more than a few points.
    assert max(a - b for a, b in zip(after, before, strict=True)) <= 10
    assert points("加我微信 dd5566") >= threshold  # what those lessons were right about


def test_a_lesson_is_counted_once_per_verdict(db: None) -> None:
    learn(normalised=normalise("鸿福茶庄"), is_spam=True)
    learn(normalised=normalise("鸿福茶庄"), is_spam=True)
    learn(normalised=normalise("鸿福茶庄"), is_spam=False)
    learned = LearnedFeature.objects.get(feature="鸿 福 茶")
    assert (learned.spam, learned.real) == (2, 1)
    learn(normalised="", is_spam=True)  # nothing to learn from an empty tip, and no error
