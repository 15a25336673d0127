"""Text messages. Mainland gateways send only a registered signature and pre-approved
templates, so each kind of message has a template with its parameters (a short title and the
link: a long text is read on the page). A daily cap keeps the cost bounded: past it, bulletins'
text messages stop for the day and the officers are told, once."""

import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from yixun.accounts.models import User
from yixun.accounts.roles import Role
from yixun.accounts.tasks import deliver_message
from yixun.audit import services as audit
from yixun.audit.models import AuditEntry
from yixun.bulletins import channels, preferences
from yixun.bulletins.models import Bulletin, Kind, Preference
from yixun.bulletins.services import audience
from yixun.lib.links import absolute
from yixun.worker.models import Delivery

TITLE_LENGTH = 20  # what the templates' ${title} is approved for
KEY = re.compile(r"^bulletin-(?P<bulletin>\d+)-r(?P<revision>\d+)-sms-(?P<user>\d+)$")


@dataclass(frozen=True)
class Template:
    name: str  # the gateway's template, as registered
    text: str  # its approved wording, with ${title} and ${link}


# Each says why the person gets it (they are a member who chose texts) and where to stop them.
TEMPLATES = {
    "new": Template(
        "YIXUN_BULLETIN",
        "【义巡】${kind}：${title}。详情：${link} 您在义巡选择了短信接收，退订：${stop}",
    ),
    "urgent": Template(
        "YIXUN_URGENT", "【义巡】紧急协查：${title}。如有线索请点：${link} 退订：${stop}"
    ),
    "update": Template(
        "YIXUN_BULLETIN_UPDATE", "【义巡】${kind}更正：${title}。详情：${link} 退订：${stop}"
    ),
    "cancel": Template(
        "YIXUN_BULLETIN_CANCEL", "【义巡】${kind}已撤回：${title}。${link} 退订：${stop}"
    ),
}


def template_for(bulletin: Bulletin) -> Template:
    if bulletin.is_withdrawn:
        return TEMPLATES["cancel"]
    if bulletin.revision:
        return TEMPLATES["update"]
    return TEMPLATES["urgent" if bulletin.kind == Kind.URGENT else "new"]


def params_for(bulletin: Bulletin) -> dict[str, str]:
    with override("zh-hans"):  # the templates are registered in Chinese
        kind = str(bulletin.get_kind_display())
    title = (
        bulletin.title
        if len(bulletin.title) <= TITLE_LENGTH
        else bulletin.title[: TITLE_LENGTH - 1] + "…"
    )
    return {
        "kind": kind,
        "title": title,
        "link": absolute(f"/bulletins/{bulletin.pk}/"),
        "stop": absolute("/inbox/settings/"),
    }


def fill(template: Template, params: dict[str, str]) -> str:
    text = template.text
    for name, value in params.items():
        text = text.replace("${" + name + "}", value)
    return text


def sent_today() -> int:
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return Delivery.objects.filter(
        channel=Delivery.Channel.MESSAGE, about__startswith="bulletins.", created_at__gte=start
    ).count()


def queue(bulletin: Bulletin, revision: int) -> int:
    people = audience(bulletin).exclude(phone="")
    takers = preferences.takers(
        dict(people.values_list("pk", "phone")),
        bulletin.kind,
        Preference.Channel.SMS,
        people.values("pk"),
    )
    room = max(0, settings.YIXUN_SMS_DAILY_LIMIT - sent_today())
    if len(takers) > room:
        _tell_officers(bulletin, wanted=len(takers), room=room)
        takers = takers[:room]
    template = template_for(bulletin)
    params = params_for(bulletin)
    body = fill(template, params)
    now = timezone.now()
    for pk, phone, chosen in takers:
        later = preferences.quiet_until(chosen, bulletin.kind, now)
        task = deliver_message.using(run_after=later) if later else deliver_message
        task.enqueue(
            to=phone,
            subject="",
            body=body,
            key=f"bulletin-{bulletin.pk}-r{revision}-sms-{pk}",
            about=f"bulletins.bulletin:{bulletin.pk}",
            template=template.name,
            params=params,
        )
    return len(takers)


def _tell_officers(bulletin: Bulletin, *, wanted: int, room: int) -> None:
    """Once a day: the cap is reached, and these text messages were not sent."""
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    told = AuditEntry.objects.filter(action="bulletins.bulletin.sms_capped", at__gte=start).exists()
    audit.record(
        actor=None,
        action="bulletins.bulletin.sms_capped",
        target=bulletin,
        data={"wanted": wanted, "sent": room, "limit": settings.YIXUN_SMS_DAILY_LIMIT},
    )
    if told:
        return
    from yixun.accounts import services as accounts

    officers = User.objects.filter(is_active=True, role_grants__role=Role.OFFICER).filter(
        ~Q(phone="")
    )
    for officer in officers:
        with override(officer.language):
            accounts.send_message(
                phone=officer.phone,
                subject=_("Today's text messages for bulletins are used up"),
                body=_(
                    "The daily limit of %(limit)s text messages for bulletins is reached: "
                    "%(left)s people were not sent “%(title)s” by text. They have it "
                    "in their inbox. Raise YIXUN_SMS_DAILY_LIMIT if the budget allows."
                )
                % {
                    "limit": settings.YIXUN_SMS_DAILY_LIMIT,
                    "left": wanted - room,
                    "title": bulletin.title,
                },
            )


def resend(delivery: Delivery) -> bool:
    """Queue a text message that failed once more, under its own key (the gateway's client
    reference, under which it may drop a duplicate): the officers' "resend what failed", and
    the only retry a text message has. It is made again from the bulletin as it is now, to the
    member's number now, after their quiet hours. Returns whether it was queued: one sent or
    queued again already, one a newer revision replaced, or one to a member who turned texts
    off since, is not."""
    match = KEY.match(delivery.key)
    if match is None or delivery.channel != Delivery.Channel.MESSAGE:
        return False
    bulletin = Bulletin.objects.filter(pk=int(match["bulletin"])).first()
    if bulletin is None or bulletin.revision != int(match["revision"]):
        return False
    person = User.objects.filter(pk=int(match["user"]), is_active=True).exclude(phone="")
    takers = preferences.takers(
        dict(person.values_list("pk", "phone")),
        bulletin.kind,
        Preference.Channel.SMS,
        person.values("pk"),
    )
    if not takers:
        return False
    [(_pk, phone, chosen)] = takers
    template, params = template_for(bulletin), params_for(bulletin)
    later = preferences.quiet_until(chosen, bulletin.kind, timezone.now())
    task = deliver_message.using(run_after=later) if later else deliver_message
    with transaction.atomic():
        # deliver_message counts no retries (a failure is final at once): its run takes the
        # delivery only at retry 0, so reopening sets it back there.
        if not channels.reopen(delivery, retry=0):
            return False
        task.enqueue(
            to=phone,
            subject="",
            body=fill(template, params),
            key=delivery.key,
            about=delivery.about,
            template=template.name,
            params=params,
        )
    return True
