from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from yixun.events.models import Registration
from yixun.events.services import registration as registrations
from yixun.lib import links


@task()
def remind(registration_id: int, sequence: int, kind: str) -> bool:
    """Remind a person of their event, unless they cancelled or the event changed since this
    reminder was queued (a newer one was queued then). Returns whether it was sent."""
    registration = (
        Registration.objects.filter(pk=registration_id)
        .select_related("event", "member__user")
        .first()
    )
    if registration is None or registration.status != Registration.Status.CONFIRMED:
        return False
    event = registration.event
    if event.status != event.Status.PUBLISHED or event.sequence != sequence or event.is_past:
        return False
    with translation.override(registrations.language_of(registration)):
        subject = (
            _("Tomorrow: %(event)s") % {"event": event.title}
            if kind == "day"
            else _("In an hour: %(event)s") % {"event": event.title}
        )
        registrations.tell(
            registration,
            subject,
            _("%(event)s, %(when)s, at %(place)s. Your ticket: %(link)s")
            % {
                "event": event.title,
                "when": registrations.when(event),
                "place": event.place_name,
                "link": links.absolute(registration.get_absolute_url()),
            },
        )
    return True
