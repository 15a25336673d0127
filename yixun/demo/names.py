"""Chinese names and numbers for a made-up county, drawn from a seeded generator."""

import random

# The most common surnames, most common first, so the draw looks like a real roster.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文斌辉鹏宇浩俊峰红玲志军海燕雪梅春晓东亮"
    "成林欣怡子涵梓轩雨泽思远佳琪嘉怡一鸣德胜国庆建华卫东小红丽萍海波振华晓燕永刚金凤玉兰"
)
TOWNS = (
    "城关",
    "东城",
    "西城",
    "南湖",
    "北山",
    "河口",
    "桥头",
    "新港",
    "白沙",
    "青石",
    "柳林",
    "龙泉",
    "铁路",
)
NUMERALS = "一二三四五六七八九十"
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "157",
    "158",
    "159",
    "176",
    "177",
    "180",
    "181",
    "182",
    "186",
    "187",
    "188",
    "189",
    "199",
)


def person_name(rng: random.Random) -> str:
    # Weight toward the front of the surname list, as real frequencies are.
    surname = SURNAMES[min(int(rng.expovariate(1 / 18)), len(SURNAMES) - 1)]
    length = 1 if rng.random() < 0.35 else 2
    return surname + "".join(rng.choice(GIVEN) for _ in range(length))


def squad_names(count: int) -> list[str]:
    """Squads named after the town they patrol: squad `i` patrols `TOWNS[i % len(TOWNS)]`,
    so the first squad of each town comes first (城关一分队, 东城一分队, …, 城关二分队, …)."""
    return [
        f"{TOWNS[index % len(TOWNS)]}{NUMERALS[index // len(TOWNS) % 10]}分队"
        for index in range(count)
    ]


def mobile(rng: random.Random, taken: set[str]) -> str:
    """A unique, valid-looking mainland mobile number (11 digits, national form)."""
    while True:
        number = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if number not in taken:
            taken.add(number)
            return number
