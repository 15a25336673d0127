"""The demo county's year of tips, in every state: new and overdue ones in the queue, forwarded
ones with the police's outcomes (cases solved among them), duplicates merged, spam in its folder;
some from members, for credit; a few with contact details, most anonymous."""

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from yixun.lib.text import normalise
from yixun.places.models import Area
from yixun.tips.models import Outcome, Tip, TipCategory, TipMessage, TipRules

TEXTS = {
    TipCategory.PUBLIC_ORDER: [
        "{place}附近每天晚上有一群人喝酒闹事，声音很大，还砸啤酒瓶",
        "{place}门口有人聚众赌博，停了好几辆外地车",
        "{place}旁边的网吧经常有未成年人通宵上网",
    ],
    TipCategory.CRIME: [
        "{place}的车棚里连续几晚有人偷电动车电瓶",
        "{place}有两个人在撬停着的汽车车门，一个穿黑衣服一个穿灰衣服",
        "有人在{place}附近推销假药，专门骗老年人",
        "{place}有人冒充燃气公司上门收费",
    ],
    TipCategory.FIRE: [
        "{place}后面冒黑烟，好像有东西着火了",
        "{place}楼道里堆满了杂物和电动车，晚上在楼道充电，很危险",
    ],
    TipCategory.TRAFFIC: [
        "{place}的红绿灯坏了两天了，晚上很危险",
        "{place}路口经常有大货车闯红灯",
        "{place}附近的路面塌了一个坑，已经有电动车摔倒",
    ],
    TipCategory.MISSING_PERSON: [
        "我家老人今天早上在{place}走失，七十多岁，穿蓝色外套，有点糊涂",
        "有个六七岁的小孩在{place}一个人哭，说找不到妈妈了",
    ],
    TipCategory.OTHER: [
        "{place}的井盖丢了，晚上看不见，容易掉下去",
        "{place}附近有一条大狗没拴绳，追着小孩跑",
    ],
}
PLACES = ["农贸市场", "中心小学", "客运站", "文化广场", "卫生院", "信用社", "夜市", "307国道口"]
SPAM = [
    "高价回收各类发票，代开增值税发票，加微信 fp8888 详谈",
    "兼职刷单日赚500，加QQ：12345678，https://t.cn/abc",
    "棋牌游戏上线送888元，访问 www.qipai-vip.top 立即领取",
    "asdfghjklqwrtpsdfg",
]
ANSWERS = {
    Outcome.CHECKED: "民警已到现场核查，现场已无异常，感谢您的反映。",
    Outcome.CASE_OPENED: "已立案调查，感谢您提供的线索。",
    Outcome.CASE_SOLVED: "根据您提供的线索，案件已经侦破，感谢您的支持。",
    Outcome.UNFOUNDED: "经核查，未发现所反映的情况。",
    Outcome.PASSED_ON: "已移交相关部门处理。",
}


def build(b: Any, *, count: int) -> dict[str, int]:
    """A year of tips, `count` of them, spread over the last twelve months."""
    rng: random.Random = b.rng
    now = timezone.now()
    rules = TipRules.current()
    towns = [
        area
        for area in Area.objects.filter(level=Area.Level.TOWN).order_by("pk")
        if area.police_station()
    ]
    moderators = b.moderator_users
    stations = [station for town in towns if (station := town.police_station()) is not None]
    police = {station: list(station.liaisons.all()) for station in stations}
    members = [m.user for m in b.all_members[:300]]
    tips: list[Tip] = []
    weights = [(TipCategory.PUBLIC_ORDER, 30), (TipCategory.CRIME, 25), (TipCategory.TRAFFIC, 25),
               (TipCategory.FIRE, 5), (TipCategory.MISSING_PERSON, 5), (TipCategory.OTHER, 10)]  # fmt: skip
    categories = [c for c, w in weights for _ in range(w)]
    for index in range(count):
        age = (
            dt.timedelta(minutes=rng.randrange(5, 365 * 24 * 60))
            if index >= 8
            else dt.timedelta(minutes=rng.randrange(3, 180))
        )
        created = now - age
        category = rng.choice(categories)
        town = rng.choice(towns)
        place = f"{town.name}{rng.choice(PLACES)}"
        text = rng.choice(TEXTS[category]).format(place=place)
        urgent = category in (TipCategory.MISSING_PERSON, TipCategory.FIRE)
        tip = Tip(
            category=category,
            text=text,
            place=place,
            created_at=created,
            normalised=normalise(f"{text} {place}"),
            is_urgent=urgent,
            ack_due_at=created + rules.ack_within(urgent=urgent),
            resolve_due_at=created + rules.resolve_within,
            reporter=rng.choice(members) if rng.random() < 0.15 else None,
            source=Tip.Source.WEB,
        )
        if index == 12 and members:  # at least one member's tip, credited to them
            tip.reporter = members[0]
        if tip.reporter is not None:
            tip.source = Tip.Source.MEMBER
        if rng.random() < 0.1:
            tip.set_contact(
                name=f"{rng.choice('王李张刘陈杨')}先生",
                phone=f"+861390000{rng.randrange(1000, 9999)}",
            )
        moderator = rng.choice(moderators)
        if index < 8:  # today's queue: some new, some taken, one overdue
            if index % 2:
                tip.assigned_to, tip.assigned_at = moderator, created + dt.timedelta(minutes=2)
            if index % 4 == 1:
                tip.status, tip.acknowledged_at = Tip.Status.ACKNOWLEDGED, tip.assigned_at
        elif index == 8 or (index > 12 and rng.random() < 0.04):  # some spam, at least one
            tip.text = rng.choice(SPAM)
            tip.normalised = normalise(tip.text)
            tip.status, tip.spam_score, tip.spam_reasons = Tip.Status.SPAM, 90, ["link"]
        else:
            tip.assigned_to, tip.assigned_at = moderator, created + dt.timedelta(minutes=3)
            tip.acknowledged_at = created + dt.timedelta(
                minutes=rng.randrange(2, 14 if urgent else 100)
            )
            if index in (9, 10, 11) or rng.random() < 0.7:
                station = town.police_station()
                tip.area, tip.station = town, station
                tip.forwarded_at = tip.acknowledged_at + dt.timedelta(minutes=rng.randrange(5, 120))
                tip.forward_summary = f"{place}：{text[:40]}"
                liaison = rng.choice(police.get(station, []) or [None]) if station else None
                if index == 9 or (index not in (10, 11) and rng.random() < 0.9):
                    tip.accepted_at = tip.forwarded_at + dt.timedelta(hours=rng.randrange(1, 12))
                    tip.accepted_by = liaison
                    outcome = rng.choices(list(ANSWERS), weights=[30, 20, 25, 15, 10])[0]
                    outcome = Outcome.CASE_SOLVED if index == 9 else outcome
                    tip.status, tip.outcome = Tip.Status.CLOSED, outcome
                    tip.outcome_at = tip.closed_at = tip.accepted_at + dt.timedelta(
                        days=rng.randrange(0, 20)
                    )
                    tip.public_answer = ANSWERS[outcome]
                elif index == 10 or (index != 11 and rng.random() < 0.5):
                    tip.status, tip.accepted_by = Tip.Status.ACCEPTED, liaison
                    tip.accepted_at = tip.forwarded_at + dt.timedelta(hours=1)
                else:
                    tip.status = Tip.Status.FORWARDED
            else:
                tip.status = Tip.Status.CLOSED
                tip.closed_at = tip.acknowledged_at + dt.timedelta(minutes=30)
                tip.close_reason = "已电话回访，情况已自行解决"
                tip.public_answer = "您反映的情况已处理完毕，感谢关注。"
        if tip.closed_at and tip.closed_at > now:
            tip.closed_at = tip.outcome_at = now
        tips.append(tip)
    made = Tip.objects.bulk_create(tips, batch_size=500)
    # Duplicates: a few tips sent again by someone else the same evening, merged by the moderator.
    originals = [t for t in made if t.status == Tip.Status.CLOSED and t.outcome][:12]
    duplicates = Tip.objects.bulk_create(
        [
            Tip(
                category=o.category,
                text=o.text.replace("，", "，我看到", 1),
                place=o.place,
                created_at=o.created_at + dt.timedelta(minutes=20),
                normalised=normalise(o.text),
                ack_due_at=o.ack_due_at,
                resolve_due_at=o.resolve_due_at,
                status=Tip.Status.MERGED,
                merged_into=o,
            )
            for o in originals
        ]
    )
    asked = [t for t in made if t.assigned_to_id][:20]
    messages = []
    for t in asked:
        at = t.created_at + dt.timedelta(minutes=5)
        messages.append(
            TipMessage(
                tip=t,
                kind=TipMessage.Kind.QUESTION,
                author=t.assigned_to,
                text="请问具体是在哪个位置？",
                created_at=at,
            )
        )
        messages.append(
            TipMessage(
                tip=t,
                kind=TipMessage.Kind.ANSWER,
                text="就在门口东边",
                created_at=at + dt.timedelta(minutes=4),
            )
        )
    TipMessage.objects.bulk_create(messages)
    return {"tips": len(made) + len(duplicates)}
