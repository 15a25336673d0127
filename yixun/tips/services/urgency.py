"""Whether a tip starts on the urgent clock. One rule for every way a tip comes in (the page, the
API, Open311), applied by `intake.submit_tip`; a moderator may change it afterwards
(`triage.set_urgency`)."""

from yixun.lib.text import normalise
from yixun.tips.models import URGENT_CATEGORIES, TipCategory

# Words that say people are being hurt, in simplified form (the text is normalised first, so
# traditional characters and full-width forms match as well).
VIOLENCE = ("打架", "斗殴", "殴打", "打人", "群殴", "互殴", "持刀", "砍人", "捅人", "动手", "抢劫")
# Words that say it is going on as the reporter writes.
NOW = ("正在", "现在", "此刻", "还在", "眼下", "刚刚", "刚才")
# Words that put it in the past or say it is over: "上周有人打架，现在没事了" is not going on.
OVER = (
    "上周",
    "昨天",
    "前天",
    "上个月",
    "去年",
    "之前",
    "以前",
    "没事了",
    "结束了",
    "散了",
    "已经走了",
)


def says_happening_now(text: str) -> bool:
    normalised = normalise(text)
    return any(word in normalised for word in NOW) and not any(word in normalised for word in OVER)


def starts_urgent(*, category: str, text: str, is_happening_now: bool) -> bool:
    """A missing person or a fire cannot wait; a crime can, unless it is happening now. A public
    order tip can, unless it is violence going on now: a fight is a crime in the making, and
    the reporter who files it under 治安 rather than 犯罪 should not get the slower clock. "Now"
    is the reporter's tick or their own words (正在, 现在 …)."""
    if category in URGENT_CATEGORIES:
        return True
    if category == TipCategory.CRIME:
        return is_happening_now or says_happening_now(text)
    if category == TipCategory.PUBLIC_ORDER:
        violent = any(word in normalise(text) for word in VIOLENCE)
        return violent and (is_happening_now or says_happening_now(text))
    return False
