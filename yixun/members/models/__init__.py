from yixun.members.models.applications import Application, ApplicationStatus
from yixun.members.models.choices import Availability, Occupation, Sex, Skill
from yixun.members.models.insurance import Coverage, InsurancePolicy
from yixun.members.models.members import (
    ContactScope,
    Member,
    MemberKind,
    MemberSkill,
    MemberStatus,
    PartnerKind,
    PartnerOrganisation,
    Squad,
    SquadTransfer,
    StatusChange,
    can_see_contact,
    squads_led_by,
)
from yixun.members.models.privacy import ErasureRequest, ErasureStatus
from yixun.members.models.rulebook import (
    DocumentKind,
    NoticeAcceptance,
    RulebookDocument,
    RulebookVersion,
    current_notice,
    current_notice_id,
    has_accepted,
)

__all__ = [
    "Application",
    "ApplicationStatus",
    "Availability",
    "ContactScope",
    "Coverage",
    "DocumentKind",
    "ErasureRequest",
    "ErasureStatus",
    "InsurancePolicy",
    "Member",
    "MemberKind",
    "MemberSkill",
    "MemberStatus",
    "NoticeAcceptance",
    "Occupation",
    "PartnerKind",
    "PartnerOrganisation",
    "RulebookDocument",
    "RulebookVersion",
    "Sex",
    "Skill",
    "Squad",
    "SquadTransfer",
    "StatusChange",
    "can_see_contact",
    "current_notice",
    "current_notice_id",
    "has_accepted",
    "squads_led_by",
]
