"""The spam score on real-looking spam and real-looking tips; traditional characters match the
same lists as simplified ones."""

import pytest

from yixun.lib.text import normalise
from yixun.tips.models import ScreeningTerm
from yixun.tips.services.screening import score

SPAM = [
    "高价回收各类发票，代开增值税发票，加微信 fp8888 详谈",
    "棋牌游戏上线送888元，访问 www.qipai-vip.top 立即领取",
    "asdfghjklqwrtpsdfg",
    "哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈",
    "兼职刷单日赚500，加QQ：12345678，https://t.cn/abc",
]
TIPS = [
    "城关镇中心小学门口每天放学时有辆没牌照的面包车停着，车上两个男的一直盯着学生看",
    "河口村东头的废弃厂房里晚上有人聚集赌博，停了很多外地车",
    "我家孩子今天下午四点在文化广场走失，6岁男孩，穿蓝色校服，请帮忙留意",
    "客运站旁边的小巷子里路灯坏了一个多月，晚上很黑，已经有两个人被抢了包",
    "307国道和铁路交叉口的栏杆坏了，火车来的时候不放下来，很危险",
]


@pytest.fixture(autouse=True)
def lists(db: None) -> None:
    for kind, term, weight in (
        ("advertising", "代开", 60),
        ("advertising", "刷单", 60),
        ("keyword", "棋牌", 40),
    ):
        ScreeningTerm.objects.update_or_create(
            kind=kind, normalised=normalise(term), defaults={"term": term, "weight": weight}
        )


@pytest.mark.parametrize("text", SPAM)
def test_real_looking_spam_scores_high(text: str) -> None:
    assert score(normalise(text)).value >= 60, score(normalise(text)).reasons


@pytest.mark.parametrize("text", TIPS)
def test_real_looking_tips_score_low(text: str) -> None:
    assert score(normalise(text)).value < 30, score(normalise(text)).reasons


def test_traditional_characters_match_the_same_list() -> None:
    found = score(normalise("專業代開發票，價格優惠"))
    assert "advertising:代开" in found.reasons


def test_the_same_text_again_scores_higher() -> None:
    text = normalise(TIPS[0])
    assert score(text, repeated=True).value > score(text).value
