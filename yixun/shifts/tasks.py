from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from yixun.shifts.models import Claim
from yixun.shifts.services.notify import tell, when


@task()
def remind(claim_id: int, sequence: int, kind: str) -> bool:
    """Remind a member of their shift, unless the place was released or the shift changed since
    this reminder was queued (a newer one was queued then). Returns whether it was sent."""
    claim = Claim.objects.filter(pk=claim_id).select_related("shift", "member__user").first()
    if claim is None or claim.status != Claim.Status.ACTIVE:
        return False
    shift = claim.shift
    if shift.is_cancelled or shift.sequence != sequence:
        return False
    with translation.override(claim.member.user.language):
        subject = (
            _("Tomorrow: %(shift)s") % {"shift": shift}
            if kind == "evening"
            else _("Soon: %(shift)s") % {"shift": shift}
        )
        tell(
            claim.member,
            subject,
            _("Your patrol %(shift)s, %(when)s.") % {"shift": shift, "when": when(shift)},
        )
    return True
