"""Reading a tip as the screening does: its words squeezed out of the disguises spammers use
(spaces between characters, emoji between words, look-alike letters, 薇信 for 微信, a number in
Chinese numerals), the shape of the text (a list of short keywords, or sentences), the handles
and numbers in it, and the n-grams the classifier weighs. Pure functions of the normalised text:
no database."""

import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

from yixun.tips.screening import lexicons

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LINK = re.compile(r"(https?://|www\.|\b[a-z0-9-]+\.(com|cn|net|top|xyz|vip|cc)\b)")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
# A handle as ads print it: letters then digits (fp8888, kf10086), or WeChat's own ids.
HANDLE = re.compile(r"(?<![a-z0-9])(wxid_[a-z0-9]+|[a-z]{1,8}_?\d{3,}[a-z0-9]*)(?![a-z0-9])")
QQ_NUMBER = re.compile(r"(qq|q群|群号|扣|q)\D{0,4}\d{5,11}")
# What holds a stuffed line's keywords apart; a tip's sentences are held by words and commas.
SEPARATORS = re.compile(r"[\s|/\\、,_\-—–·•★☆♥❤丨‖┃│●◆■~=【】\[\]()]+")
LIST_MARKS = re.compile(r"[|/\\丨‖┃│_—–·•★☆♥❤●◆■~]")
SPACED = re.compile(r"(?:^|\s)\S(?:\s\S){3,}(?:\s|$)")  # "代 开 发 票"
CLAUSE_ENDS = re.compile(r"[,。!?;:\s]+")
TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[a-z]+|\d+|\+")
CHINESE_DIGITS = re.compile(r"[零〇一二三四五六七八九]{7,}")  # a phone or QQ number spelt out
# Look-alike letters (Cyrillic, Greek) and the symbols that stand in for "add".
HOMOGLYPHS = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "к": "k",
        "м": "m", "т": "t", "в": "b", "н": "h", "і": "i", "ν": "v", "ο": "o", "α": "a",
        "➕": "+", "✚": "+",
    }
)  # fmt: skip
DIGITS = str.maketrans("零〇一二三四五六七八九", "00123456789")
KEYBOARD = {
    key: (row, col + (0, 0.5, 0.75, 1.25)[row])
    for row, keys in enumerate(("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"))
    for col, key in enumerate(keys)
}


@dataclass(frozen=True)
class Reading:
    grams: list[str]  # the classifier's n-grams, in order of first appearance, each once
    signs: list[str]  # the shape, handle and lexicon features, "§…"
    families: dict[str, list[str]] = field(default_factory=dict)  # family → phrases found
    links: int = 0
    is_gibberish: bool = False

    @property
    def features(self) -> list[str]:
        return self.grams + self.signs


def read(normalised: str) -> Reading:
    plain = normalised.translate(HOMOGLYPHS)
    squeezed = squeeze(plain)
    families = {
        name: found for name in lexicons.FAMILIES if (found := _find(name, plain, squeezed))
    }
    signs = _shape(plain, squeezed) + _lexical(families)
    if plain != normalised or squeezed != _alphanumeric(plain) or SPACED.search(plain):
        signs.append("§disguised")
    return Reading(
        grams=grams(squeezed),
        signs=signs,
        families=families,
        links=len(LINK.findall(plain)),
        is_gibberish=is_gibberish(plain),
    )


def squeeze(text: str) -> str:
    """Letters, digits, Chinese characters and "+" alone, with the dodging spellings undone:
    "代 开💰发 票" → "代开发票", "➕薇信" → "加微信", "一三八…" → "138…"."""
    squeezed = _alphanumeric(text.translate(HOMOGLYPHS))
    for variant, plain in lexicons.VARIANTS:
        squeezed = squeezed.replace(variant, plain)
    return CHINESE_DIGITS.sub(lambda m: m.group().translate(DIGITS), squeezed)


def _alphanumeric(text: str) -> str:
    return "".join(c for c in text if c.isalnum() or c == "+")


def _find(family: str, plain: str, squeezed: str) -> list[str]:
    words, latin = _lexicon(family)
    return [w for w in words if w in squeezed] + latin.findall(plain)


@cache
def _lexicon(family: str) -> tuple[list[str], re.Pattern[str]]:
    """A family's phrases: Chinese ones are looked for in the squeezed text; English ones as
    whole words in the text itself ("av" is not in "have", and "free porn" keeps its space)."""
    words = lexicons.FAMILIES[family]
    latin = [w for w in words if re.fullmatch(r"[a-z -]+", w)]
    pattern = "|".join(re.escape(w) for w in latin) or "(?!)"
    return [w for w in words if w not in latin], re.compile(rf"(?<![a-z])(?:{pattern})(?![a-z])")


def grams(squeezed: str) -> list[str]:
    """Character unigrams, bigrams and trigrams of the squeezed text, where a run of Latin
    letters is one token and a number stands for its kind (a mobile number, or its length):
    the classifier learns that ads carry numbers, not which ones."""
    tokens = [_token(t) for t in TOKEN.findall(squeezed)]
    seen: dict[str, None] = {}
    for n in (1, 2, 3):
        for i in range(len(tokens) - n + 1):
            seen.setdefault(" ".join(tokens[i : i + n]))
    return list(seen)


def _token(token: str) -> str:
    if not token.isdigit():
        return token[:20]
    if MOBILE.fullmatch(token):
        return "#mobile"
    return "#" * min(len(token), 5)


def _shape(text: str, squeezed: str) -> list[str]:
    """A stuffed line is many short keywords held apart by marks or spaces, with no sentence in
    it; an ad ends on a handle or a number. A tip has clauses, commas and full stops."""
    cjk = len(CJK.findall(text))
    segments = [s for s in SEPARATORS.split(text) if s]
    marks = len(LIST_MARKS.findall(text))
    clauses = sum(len(CJK.findall(s)) >= 10 for s in CLAUSE_ENDS.split(text))
    found = {
        _length(squeezed): True,
        "§latin": not cjk,
        "§list": bool(cjk)
        and len(segments) >= 5
        and sum(len(s) <= 6 for s in segments) >= 0.8 * len(segments),
        "§marks": marks >= 2,
        "§marks:5": marks >= 5,
        "§spaced": bool(cjk and SPACED.search(text)),
        "§emoji": any(_is_emoji(c) for c in text),
        "§clauses:0": clauses == 0,
        "§clause": 0 < clauses < 3,
        "§clauses:3": clauses >= 3,
        "§full_stop": "。" in text,
        "§comma": "," in text or "、" in text,
        "§mobile": bool(MOBILE.search(squeezed)),
        "§handle": bool(HANDLE.search(text)),
        "§qq": bool(QQ_NUMBER.search(squeezed)),
        "§repeated_words": len(segments) >= 3 and len(set(segments)) <= len(segments) / 2,
    }
    return [sign for sign, present in found.items() if present]


def _lexical(families: dict[str, list[str]]) -> list[str]:
    """How many phrases of each family, in steps; and the combinations that make an ad: the
    goods and a way to reach the seller, or a list of goods, with no one telling anything."""
    signs = []
    for name in lexicons.FAMILIES:
        hits = len(families.get(name, ()))
        signs += [f"§{name}:{n}" for n in (1, 2, 4, 7) if hits >= n] or [f"§{name}:0"]
    goods = sum(len(families.get(name, ())) for name in lexicons.REASONS if name != "contact_ad")
    told = len(families.get("narrative", ()))
    if goods >= 2 and "contact_ad" in families:
        signs.append("§goods_and_contact")
    if goods >= 3 and told <= 1:
        signs.append("§goods_untold")
    if goods + len(families.get("contact_ad", ())) >= 2 and told == 0:
        signs.append("§ad_untold")
    return signs


def _length(squeezed: str) -> str:
    for limit, name in ((8, "tiny"), (20, "short"), (60, "middling"), (200, "long")):
        if len(squeezed) <= limit:
            return f"§length:{name}"
    return "§length:very_long"


def _is_emoji(char: str) -> bool:
    return 0x1F000 <= ord(char) <= 0x1FAFF or unicodedata.category(char) == "So"


def is_gibberish(text: str) -> bool:
    """Keyboard mashing, a key held down, a syllable typed over and over, or no word at all.
    Mashing in a Chinese input method gives the first candidates of the keys hit (asdf →
    阿斯顿发), so Chinese is read by the initials of its syllables too."""
    letters = "".join(c for c in text if c.isalnum())
    if not letters:
        return len(text.strip()) >= 3
    if len(letters) < 8:
        return False
    if len(set(letters)) <= max(2, min(len(letters) // 8, 5)) or _is_periodic(letters):
        return True
    if CJK.search(text):
        only_chinese = len(CJK.findall(text)) == len(letters) <= 24
        return only_chinese and _is_mashed(_initials(letters))
    latin = [c for c in letters if "a" <= c <= "z"]
    vowels = sum(c in "aeiouy" for c in latin)
    if len(latin) >= 8 and vowels / len(latin) < 0.2:  # words, and pinyin, have far more
        return True
    return _is_mashed(letters)


def _is_periodic(text: str) -> bool:
    """The same one to three characters over and over: "测试测试测试", "sdfsdfsdf". (A word of
    four or more said over and over is an ad's way; the classifier knows it.)"""
    return any(
        sum(text[i] == text[i + p] for i in range(len(text) - p)) >= 0.8 * (len(text) - p)
        for p in (1, 2, 3)
        if len(text) >= 2 * p + 4
    )


def _is_mashed(keys: str) -> bool:
    """A hand running over the keyboard: nearly every key on one row, or nearly every step to
    the same or a neighbouring key. Words hop between rows and sides."""
    keys = "".join(k for k in keys if k in KEYBOARD)
    if len(keys) < 8:
        return False
    rows = [KEYBOARD[k][0] for k in keys]
    if max(rows.count(row) for row in set(rows)) >= 0.9 * len(keys):
        return True
    steps = list(itertools.pairwise(keys))
    near = sum(
        abs(KEYBOARD[a][0] - KEYBOARD[b][0]) <= 1 and abs(KEYBOARD[a][1] - KEYBOARD[b][1]) <= 1.3
        for a, b in steps
    )
    return near >= 0.8 * len(steps)


def _initials(chinese: str) -> str:
    from pypinyin import Style, lazy_pinyin  # loaded once; only short all-Chinese text gets here

    return "".join(s[:1] for s in lazy_pinyin(chinese, style=Style.NORMAL))
