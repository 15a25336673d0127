"""Chinese text helpers."""

import unicodedata
from functools import cache
from typing import Any

from pypinyin import Style, lazy_pinyin


def pinyin_key(name: str) -> str:
    """A sort key that orders Chinese names as Chinese rosters do: by pinyin, then by character.

    张三 → "zhang san 张三"; Latin names sort among them by their letters.
    """
    syllables = lazy_pinyin(name or "", style=Style.NORMAL, errors="default")
    return (" ".join(syllables).lower() + " " + (name or ""))[:200]


@cache
def _to_simplified() -> Any:
    import opencc  # loads its dictionaries: once per process, and only where needed

    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """Text as the screening lists and the search compare it: full-width forms made half-width
    (NFKC), traditional characters made simplified (OpenCC), case folded, spaces collapsed.
    "ＶＸ：這個" and "vx:这个" come out the same."""
    folded = unicodedata.normalize("NFKC", text or "")
    simplified = _to_simplified().convert(folded)
    return " ".join(simplified.casefold().split())
