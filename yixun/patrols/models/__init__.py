from yixun.patrols.models.duties import (
    CheckInMethod,
    CheckOutMethod,
    CorrectionStatus,
    Duty,
    DutyQuerySet,
    DutyStatus,
    HoursCorrection,
)
from yixun.patrols.models.logs import (
    Finding,
    Incident,
    IncidentKind,
    Inspection,
    LogCorrection,
    LogQuerySet,
    LogStatus,
    PatrolLog,
    Photo,
)
from yixun.patrols.models.rules import DutyRules, Rounding

__all__ = [
    "CheckInMethod",
    "CheckOutMethod",
    "CorrectionStatus",
    "Duty",
    "DutyQuerySet",
    "DutyRules",
    "DutyStatus",
    "Finding",
    "HoursCorrection",
    "Incident",
    "IncidentKind",
    "Inspection",
    "LogCorrection",
    "LogQuerySet",
    "LogStatus",
    "PatrolLog",
    "Photo",
    "Rounding",
]
