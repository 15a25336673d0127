from yixun.tips.models.learning import LearnedFeature
from yixun.tips.models.rules import ScreeningKind, ScreeningTerm, TipRules
from yixun.tips.models.tips import (
    CODE_LENGTH,
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
    "CODE_LENGTH",
    "OPEN_STATUSES",
    "PUBLIC_KINDS",
    "URGENT_CATEGORIES",
    "LearnedFeature",
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
