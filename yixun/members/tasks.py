import datetime as dt

from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from yixun.accounts import services as accounts
from yixun.accounts.models import User
from yixun.accounts.roles import Role
from yixun.members.models import InsurancePolicy


@task()
def remind_policy_ending(policy_id: int, ends_on: str, days: int) -> int:
    """Tell the officers a policy ends soon. Returns how many were told."""
    policy = InsurancePolicy.objects.filter(pk=policy_id).first()
    if policy is None or policy.ends_on != dt.date.fromisoformat(ends_on):
        return 0  # deleted or extended since this reminder was queued
    officers = list(User.objects.with_role(Role.OFFICER).filter(is_active=True))
    covered = policy.coverages.count()
    for officer in officers:
        with translation.override(officer.language):
            accounts.send_message(
                phone=officer.phone,
                subject=_("Insurance cover ends in %(days)d days") % {"days": days},
                body=_(
                    "Policy %(number)s with %(insurer)s ends on %(date)s and covers %(count)d members. "
                    "Renew it, or core members will be without cover."
                )
                % {
                    "number": policy.number,
                    "insurer": policy.insurer,
                    "date": policy.ends_on.isoformat(),
                    "count": covered,
                },
            )
    return len(officers)
