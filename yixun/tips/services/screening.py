"""The spam and abuse score of a tip, with its reasons: links and contact handles, the officers'
advertising and keyword lists, text repeated from the same sender, gibberish. Text is compared
normalised (simplified, half-width), so a tip in traditional characters matches the same lists.

A high score only sends a tip to the spam folder, where moderators can restore it: nothing is
ever dropped."""

import re
from dataclasses import dataclass, field

from yixun.tips.models import ScreeningTerm

LINK = re.compile(r"(https?://|www\.|\b[a-z0-9-]+\.(com|cn|net|top|xyz|vip|cc)\b)")
HANDLE = re.compile(r"(加\s*(微|v|威|薇|q|扣)|vx|wx|微信号|qq\s*[:：]?\s*\d{5,})")
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Score:
    value: int = 0
    reasons: list[str] = field(default_factory=list)

    def add(self, points: int, reason: str) -> None:
        self.value += points
        self.reasons.append(reason)


def score(normalised: str, *, repeated: bool = False) -> Score:
    """Score normalised text (see `lib.text.normalise`)."""
    found = Score()
    links = len(LINK.findall(normalised))
    if links:
        found.add(min(60, 35 * links), "link")
    if HANDLE.search(normalised):
        found.add(30, "contact_handle")
    for term in ScreeningTerm.objects.all():
        if term.normalised and term.normalised in normalised:
            found.add(term.weight, f"{term.kind}:{term.term}")
    if repeated:
        found.add(40, "repeated")
    if _is_gibberish(normalised):
        found.add(60, "gibberish")
    found.value = min(found.value, 100)
    return found


def _is_gibberish(text: str) -> bool:
    """Keyboard mashing and one character held down: few distinct characters, or Latin
    letters (no Chinese) with hardly a vowel."""
    letters = [c for c in text if c.isalnum()]
    if len(letters) < 8:
        return False
    if len(set(letters)) <= max(2, len(letters) // 8):
        return True
    if CJK.search(text):
        return False
    latin = [c for c in text if "a" <= c <= "z"]
    vowels = sum(c in "aeiouy" for c in latin)
    return len(latin) >= 8 and vowels / len(latin) < 0.2  # words, and pinyin, have far more
