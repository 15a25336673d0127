from yixun.tips.models.rules import ScreeningKind, ScreeningTerm, TipRules
from yixun.tips.models.tips import (
    OPEN_STATUSES,
    PUBLIC_KINDS,
    URGENT_CATEGORIES,
    MessageKind,
    Outcome,
    Tip,
    TipCategory,
    TipMessage,
    TipPhoto,
    TipQuerySet,
    TipSource,
    TipStatus,
)

__all__ = [
    "OPEN_STATUSES",
    "PUBLIC_KINDS",
    "URGENT_CATEGORIES",
    "MessageKind",
    "Outcome",
    "ScreeningKind",
    "ScreeningTerm",
    "Tip",
    "TipCategory",
    "TipMessage",
    "TipPhoto",
    "TipQuerySet",
    "TipRules",
    "TipSource",
    "TipStatus",
]
