from django.utils import timezone

from yixun.accounts import services as accounts
from yixun.members.models import Member
from yixun.shifts.models import Shift


def tell(member: Member, subject: str, body: str) -> None:
    """A message to a member (compose it inside `translation.override(member.user.language)`)."""
    if not member.user.is_erased:
        accounts.send_message(phone=member.user.phone, subject=subject, body=body)


def when(shift: Shift) -> str:
    start, end = timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
