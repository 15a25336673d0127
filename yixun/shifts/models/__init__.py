from yixun.shifts.models.links import CalendarFeed, Invitation
from yixun.shifts.models.planning import (
    BriefingAcknowledgement,
    ClaimRules,
    PoliceForce,
    PolicePatrol,
    SafetyBriefing,
    SchoolHoliday,
    ShiftTemplate,
    Term,
)
from yixun.shifts.models.shifts import (
    Claim,
    ClaimSource,
    ClaimStatus,
    Shift,
    ShiftKind,
    ShiftQuerySet,
    ShiftStatus,
    WaitlistEntry,
    WaitlistStatus,
)

__all__ = [
    "BriefingAcknowledgement",
    "CalendarFeed",
    "Claim",
    "ClaimRules",
    "ClaimSource",
    "ClaimStatus",
    "Invitation",
    "PoliceForce",
    "PolicePatrol",
    "SafetyBriefing",
    "SchoolHoliday",
    "Shift",
    "ShiftKind",
    "ShiftQuerySet",
    "ShiftStatus",
    "ShiftTemplate",
    "Term",
    "WaitlistEntry",
    "WaitlistStatus",
]
