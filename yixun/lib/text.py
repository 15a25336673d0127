"""Chinese text helpers."""

from pypinyin import Style, lazy_pinyin


def pinyin_key(name: str) -> str:
    """A sort key that orders Chinese names as Chinese rosters do: by pinyin, then by character.

    张三 → "zhang san 张三"; Latin names sort among them by their letters.
    """
    syllables = lazy_pinyin(name or "", style=Style.NORMAL, errors="default")
    return (" ".join(syllables).lower() + " " + (name or ""))[:200]
