from collections.abc import Callable

from django.utils import timezone, translation

from yixun.accounts import services as accounts
from yixun.members.models import Member, Squad
from yixun.shifts.models import Shift


def tell(member: Member, subject: str, body: str) -> None:
    """A message to a member (compose it inside `translation.override(member.user.language)`)."""
    if not member.user.is_erased:
        accounts.send_message(phone=member.user.phone, subject=subject, body=body)


def tell_leaders(squad: Squad, compose: Callable[[], tuple[str, str]]) -> None:
    """A message to a squad's leader and deputies, each composed in their own language."""
    people = [squad.leader, *squad.deputies.all()] if squad.leader else [*squad.deputies.all()]
    for user in {person.pk: person for person in people if not person.is_erased}.values():
        with translation.override(user.language):
            subject, body = compose()
            accounts.send_message(phone=user.phone, subject=subject, body=body)


def when(shift: Shift) -> str:
    start, end = timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
