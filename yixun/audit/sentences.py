"""What each audit code says to a reader: a sentence in their language, and its details as
labelled, human values (是/否, dates, names), never `full_id_numbers: False`.

Every code written anywhere in Yixun has its sentence here; a test reads the source and fails
when one is missing. The trail describes every app, yet the audit app stands above them all
(DESIGN.md): it names their models and choices by label and path, looked up when a page is
drawn, and imports none of them."""

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from yixun.audit.models import AuditEntry
from yixun.audit.services import REDACTED
from yixun.lib.templatetags.yixun_format import format_minutes

# %(actor)s is who acted, %(target)s the object as it was named when it happened; any other
# %(key)s is that key of the entry's details, shown as a human value and left out of the list.
SENTENCES: dict[str, Promise] = {
    # audit
    "audit.audit_entry.deleted": _("%(count)s audit entries from before %(before)s were deleted"),
    # accounts
    "accounts.access_token.issued": _("%(actor)s issued an API access token “%(name)s”"),
    "accounts.access_token.revoked": _("%(actor)s revoked an API access token"),
    "accounts.phone_code.failed": _("A wrong code was entered"),
    "accounts.phone_code.sent": _("A code was sent by text message"),
    "accounts.phone_code.used": _("A code was used"),
    "accounts.user.changed": _("%(actor)s changed the account of %(target)s"),
    "accounts.user.created": _("%(actor)s created an account for %(target)s"),
    "accounts.user.data_downloaded": _("%(actor)s downloaded their personal data"),
    "accounts.user.logged_in": _("%(actor)s signed in"),
    "accounts.user.login_failed": _("A failed attempt to sign in as %(target)s"),
    "accounts.user.password_changed": _("%(actor)s changed the password of %(target)s"),
    "accounts.user.password_reset": _("The password of %(target)s was reset"),
    "accounts.user.password_reset_requested": _("A password reset was asked for %(target)s"),
    "accounts.user.role_granted": _("%(actor)s gave %(target)s the role %(role)s"),
    "accounts.user.role_revoked": _("%(actor)s took the role %(role)s from %(target)s"),
    # demo
    "bulletins.bulletin.corrected": _("%(actor)s corrected the bulletin %(target)s"),
    "bulletins.bulletin.delivered": _("The bulletin %(target)s reached its people's inboxes"),
    "bulletins.bulletin.deliveries_resent": _(
        "%(actor)s sent the bulletin %(target)s again wherever it had failed"
    ),
    "bulletins.bulletin.edited": _("%(actor)s changed the draft bulletin %(target)s"),
    "bulletins.bulletin.published": _("%(actor)s approved and published the bulletin %(target)s"),
    "bulletins.bulletin.returned": _("%(actor)s sent the bulletin %(target)s back to its writer"),
    "bulletins.bulletin.reviewed": _(
        "%(actor)s reviewed the urgent alert %(target)s after it went out"
    ),
    "bulletins.bulletin.sent_unreviewed": _(
        "%(actor)s sent the urgent alert %(target)s before review"
    ),
    "bulletins.bulletin.robot_failed": _(
        "A group robot could not be given the bulletin %(target)s"
    ),
    "bulletins.bulletin.robots_resent": _(
        "%(actor)s sent the bulletin %(target)s again to the robots that had failed"
    ),
    "bulletins.bulletin.sms_capped": _(
        "Today's text messages for bulletins were used up: not all of %(target)s went by text"
    ),
    "bulletins.bulletin.submitted": _("%(actor)s sent the bulletin %(target)s for review"),
    "bulletins.bulletin.withdrawn": _("%(actor)s withdrew the bulletin %(target)s"),
    "bulletins.bulletin.written": _("%(actor)s wrote the bulletin %(target)s"),
    "bulletins.share_post.recorded": _(
        "%(actor)s noted that the bulletin “%(title)s” was posted to %(channel)s"
    ),
    "bulletins.preference.changed": _("%(actor)s changed how bulletins reach them"),
    "bulletins.sighting.reported": _(
        "A sighting came in for the urgent alert “%(bulletin)s”: %(tip)s"
    ),
    "bulletins.subscriber.followed_in_browser": _(
        "A browser of the public began to follow bulletins, or changed what it follows"
    ),
    "bulletins.subscriber.stopped_in_browser": _(
        "A browser of the public stopped following bulletins"
    ),
    "demo.association.built": _("The demo association was built"),
    # events
    "events.event.attendance_exported": _(
        "%(actor)s downloaded the attendance of the event %(target)s"
    ),
    "events.event.attendance_viewed": _(
        "%(actor)s looked at the attendance of the event %(target)s"
    ),
    "events.event.briefing_granted": _(
        "The training %(target)s gave %(member)s their safety briefing"
    ),
    "events.event.cancelled": _("%(actor)s cancelled the event %(target)s"),
    "events.event.changed": _("%(actor)s changed the event %(target)s"),
    "events.event.closed": _("%(actor)s reported on the event %(target)s"),
    "events.event.created": _("%(actor)s planned the event %(target)s"),
    "events.event.duty_shift_added": _("%(actor)s added a duty shift to the event %(target)s"),
    "events.event.report_changed": _("%(actor)s changed the report on the event %(target)s"),
    "events.event.skill_granted": _("The training %(target)s gave %(member)s a skill"),
    "events.event.photo_added": _("%(actor)s added a photo to the event %(target)s"),
    "events.event.photo_removed": _("%(actor)s removed a photo of the event %(target)s"),
    "events.registration.cancelled": _("A registration for an event was cancelled"),
    "events.registration.checked_in": _("%(actor)s checked a ticket in at the door"),
    "events.registration.created": _("Someone registered for an event"),
    "events.registration.promoted": _("A place at an event went to the next person waiting"),
    "events.registration.walked_in": _("%(actor)s let in a walk-in at the door"),
    # members
    "members.application.answered": _("The applicant %(target)s answered a question"),
    "members.application.approved": _("%(actor)s approved the application of %(target)s"),
    "members.application.asked": _("%(actor)s asked the applicant %(target)s a question"),
    "members.application.rejected": _("%(actor)s turned down the application of %(target)s"),
    "members.application.submitted": _("%(target)s applied to join"),
    "members.erasure_request.created": _("%(actor)s asked for their data to be erased"),
    "members.erasure_request.declined": _("%(actor)s declined a request to erase %(member)s"),
    "members.erasure_request.done": _("%(actor)s granted a request to erase %(member)s"),
    "members.insurance_policy.changed": _("%(actor)s changed the insurance policy %(target)s"),
    "members.insurance_policy.created": _("%(actor)s added the insurance policy %(target)s"),
    "members.insurance_policy.member_removed": _(
        "%(actor)s took %(member)s off the insurance policy %(target)s"
    ),
    "members.insurance_policy.members_added": _(
        "%(actor)s put %(count)s members on the insurance policy %(target)s"
    ),
    "members.member.details_changed": _("%(actor)s changed the details of %(target)s"),
    "members.member.erased": _("%(actor)s erased the personal data of member %(target)s"),
    "members.member.id_number_corrected": _("%(actor)s corrected the ID number of %(target)s"),
    "members.member.id_number_viewed": _("%(actor)s looked at the full ID number of %(target)s"),
    "members.member.imported": _("%(actor)s updated %(target)s from a roster file"),
    "members.member.kind_changed": _("%(actor)s changed the membership kind of %(target)s"),
    "members.member.status_changed": _("%(actor)s changed the standing of %(target)s"),
    "members.member.transferred": _("%(actor)s moved %(target)s to another squad"),
    "members.partner_organisation.changed": _("%(actor)s changed the partner %(target)s"),
    "members.partner_organisation.created": _("%(actor)s added the partner %(target)s"),
    "members.roster.exported": _("%(actor)s exported the roster"),
    "members.roster.imported": _("%(actor)s imported a roster"),
    "members.rulebook_document.created": _("%(actor)s created the rule document %(target)s"),
    "members.rulebook_version.accepted": _("%(actor)s accepted %(target)s"),
    "members.rulebook_version.published": _("%(actor)s published %(target)s"),
    "members.squad.changed": _("%(actor)s changed the squad %(target)s"),
    "members.squad.created": _("%(actor)s created the squad %(target)s"),
    "members.squad.deputies_set": _("%(actor)s chose the deputies of %(target)s"),
    "members.squad.leader_set": _("%(actor)s made %(leader)s the leader of %(target)s"),
    # patrols
    "patrols.duty.checked_in": _("%(actor)s checked in: %(target)s"),
    "patrols.duty.checked_out": _("%(actor)s checked out: %(target)s"),
    "patrols.duty.positions_erased": _(
        "The check-in positions of %(count)s duties begun before %(before)s were erased"
    ),
    "patrols.duty.no_show": _("Nobody checked in for a claimed place: %(target)s"),
    "patrols.duty_rules.changed": _("%(actor)s changed the duty rules"),
    "patrols.hours_correction.approved": _("%(actor)s approved an hours correction: %(target)s"),
    "patrols.hours_correction.asked": _("%(actor)s asked for an hours correction: %(target)s"),
    "patrols.hours_correction.refused": _("%(actor)s refused an hours correction: %(target)s"),
    "patrols.incident.corrected": _("%(actor)s corrected an incident: %(target)s"),
    "patrols.incident.recorded": _("%(actor)s recorded an incident: %(target)s"),
    "patrols.inspection.corrected": _("%(actor)s corrected a site inspection: %(target)s"),
    "patrols.inspection.recorded": _("%(actor)s recorded a site inspection: %(target)s"),
    "patrols.on_duty.viewed": _("%(actor)s looked at who is on duty"),
    "patrols.patrol_log.approved": _("%(actor)s approved the log of the shift %(target)s"),
    "patrols.patrol_log.summarised": _("%(actor)s wrote the summary of the shift %(target)s"),
    "patrols.photo.deleted": _("%(count)s patrol photos taken before %(before)s were deleted"),
    "patrols.photo.added": _("%(actor)s added a photo to a patrol log"),
    # places
    "places.route.changed": _("%(actor)s changed the route %(target)s"),
    "places.route.created": _("%(actor)s added the route %(target)s"),
    "places.site.changed": _("%(actor)s changed the key site %(target)s"),
    "places.site.created": _("%(actor)s added the key site %(target)s"),
    "places.site.qr_renewed": _("%(actor)s renewed the QR code of %(target)s"),
    # public
    "public.public_site.updated": _("%(actor)s changed the public site's texts and figures"),
    # shifts
    "shifts.calendar_feed.created": _("%(actor)s made a calendar feed"),
    "shifts.calendar_feed.revoked": _("%(actor)s revoked a calendar feed"),
    "shifts.claim.created": _("%(member)s took a place on %(shift)s"),
    "shifts.claim.promoted": _("%(member)s moved up from the waiting list onto %(shift)s"),
    "shifts.claim.released": _("%(member)s gave up a place on %(shift)s"),
    "shifts.claim_rules.changed": _("%(actor)s changed the claiming rules"),
    "shifts.invitation.sent": _("%(actor)s invited %(member)s to %(shift)s"),
    "shifts.police_patrol.changed": _("%(actor)s changed the police patrol %(target)s"),
    "shifts.police_patrol.created": _("%(actor)s added the police patrol %(target)s"),
    "shifts.police_patrol.deleted": _("%(actor)s removed the police patrol %(target)s"),
    "shifts.safety_briefing.acknowledged": _("%(actor)s read the safety briefing %(target)s"),
    "shifts.safety_briefing.published": _("%(actor)s published the safety briefing %(target)s"),
    "shifts.school_holiday.deleted": _("%(actor)s removed the school holiday %(target)s"),
    "shifts.school_holiday.saved": _("%(actor)s saved the school holiday %(target)s"),
    "shifts.shift.cancelled": _("%(actor)s cancelled the shift %(target)s"),
    "shifts.shift.changed": _("%(actor)s changed the shift %(target)s"),
    "shifts.shift.created": _("%(actor)s planned the shift %(target)s"),
    "shifts.shift.reserved": _("%(actor)s kept places on %(target)s for %(squad)s"),
    "shifts.shift.unreserved": _("%(actor)s freed the places on %(target)s kept for %(squad)s"),
    "shifts.shift_template.changed": _("%(actor)s changed the shift pattern %(target)s"),
    "shifts.shift_template.created": _("%(actor)s added the shift pattern %(target)s"),
    "shifts.shift_template.generated": _("%(actor)s made shifts from the pattern %(target)s"),
    "shifts.term.deleted": _("%(actor)s removed the school term %(target)s"),
    "shifts.term.saved": _("%(actor)s saved the school term %(target)s"),
    "shifts.waitlist_entry.joined": _("%(member)s joined the waiting list of %(shift)s"),
    "shifts.waitlist_entry.left": _("%(member)s left the waiting list of %(shift)s"),
    # tips
    "tips.contact.erased": _("The contact details of old tips were erased"),
    "tips.robot.failed": _("A group robot could not be reached"),
    "tips.screening_term.added": _("%(actor)s added the screening term “%(target)s”"),
    "tips.screening_term.removed": _("%(actor)s removed the screening term “%(target)s”"),
    "tips.tip.accepted": _("%(actor)s accepted the tip %(target)s for the police"),
    "tips.tip.acknowledged": _("%(actor)s acknowledged the tip %(target)s"),
    "tips.tip.answered": _("The reporter answered about the tip %(target)s"),
    "tips.tip.assigned": _("%(actor)s handed the tip %(target)s to %(to)s"),
    "tips.tip.closed": _("%(actor)s closed the tip %(target)s"),
    "tips.tip.contact_viewed": _("%(actor)s looked at the reporter's contact of tip %(target)s"),
    "tips.tip.escalated": _("The tip %(target)s waited too long and was passed on"),
    "tips.tip.forwarded": _("%(actor)s forwarded the tip %(target)s to %(station)s"),
    "tips.tip.marked_spam": _("%(actor)s marked the tip %(target)s as spam"),
    "tips.tip.merged": _("%(actor)s merged the tip %(target)s into %(into)s"),
    "tips.tip.message_written": _("%(actor)s wrote about the tip %(target)s"),
    "tips.tip.outcome_recorded": _("%(actor)s recorded the outcome of the tip %(target)s"),
    "tips.tip.received": _("A tip came in: %(target)s"),
    "tips.tip.restored": _("%(actor)s took the tip %(target)s out of spam"),
    "tips.tip.taken": _("%(actor)s took the tip %(target)s"),
    "tips.tip.urgency_set": _("%(actor)s changed the urgency of the tip %(target)s"),
    "tips.tip_photo.deleted": _(
        "%(count)s photos of tips done with before %(before)s were deleted"
    ),
    "tips.tip_rules.changed": _("%(actor)s changed the tip rules"),
    # upkeep
    "upkeep.backup.made": _("A backup of the database and files was made: %(file)s"),
    "upkeep.backup.restored": _("The database and files were restored from the backup %(file)s"),
    # worker
    "worker.reclaim.abandoned": _("A background task lost its worker too often and was given up"),
    "worker.reclaim.requeued": _("A background task lost its worker and was queued again"),
}

LABELS: dict[str, Promise] = {
    "after": pgettext_lazy("audit detail", "after"),
    "area": pgettext_lazy("audit detail", "area"),
    "areas": pgettext_lazy("audit detail", "areas"),
    "before": pgettext_lazy("audit detail", "before"),
    "bulletin": pgettext_lazy("audit detail", "bulletin"),
    "cancelled": pgettext_lazy("audit detail", "cancelled"),
    "channel": pgettext_lazy("audit detail", "channel"),
    "channels": pgettext_lazy("audit detail", "channels"),
    "category": pgettext_lazy("audit detail", "category"),
    "count": pgettext_lazy("audit detail", "number"),
    "created": pgettext_lazy("audit detail", "created"),
    "deputies": pgettext_lazy("audit detail", "deputies"),
    "ends_on": pgettext_lazy("audit detail", "ends on"),
    "encrypted": pgettext_lazy("audit detail", "encrypted"),
    "mails": pgettext_lazy("audit detail", "e-mails"),
    "error": pgettext_lazy("audit detail", "error"),
    "factor": pgettext_lazy("audit detail", "what failed"),
    "fields": pgettext_lazy("audit detail", "what changed"),
    "file": pgettext_lazy("audit detail", "file"),
    "finding": pgettext_lazy("audit detail", "finding"),
    "from": pgettext_lazy("audit detail", "from"),
    "full_id_numbers": pgettext_lazy("audit detail", "full ID numbers"),
    "into": pgettext_lazy("audit detail", "merged into"),
    "kept": pgettext_lazy("audit detail", "kept"),
    "kind": pgettext_lazy("audit detail", "kind"),
    "kinds": pgettext_lazy("audit detail", "kinds"),
    "late_minutes": pgettext_lazy("audit detail", "late by"),
    "leader": pgettext_lazy("audit detail", "leader"),
    "limit": pgettext_lazy("audit detail", "limit"),
    "lost_worker": pgettext_lazy("audit detail", "lost worker"),
    "member": pgettext_lazy("audit detail", "member"),
    "method": pgettext_lazy("audit detail", "how"),
    "minutes": pgettext_lazy("audit detail", "time credited"),
    "minutes_asked": pgettext_lazy("audit detail", "time asked"),
    "minutes_before": pgettext_lazy("audit detail", "time before"),
    "n": pgettext_lazy("audit detail", "times lost"),
    "note": pgettext_lazy("audit detail", "note"),
    "name": pgettext_lazy("audit detail", "name"),
    "outcome": pgettext_lazy("audit detail", "outcome"),
    "path": pgettext_lazy("audit detail", "task"),
    "people": pgettext_lazy("audit detail", "people shown"),
    "position": pgettext_lazy("audit detail", "place in the queue"),
    "purpose": pgettext_lazy("audit detail", "purpose"),
    "push": pgettext_lazy("audit detail", "browser notifications"),
    "reached": pgettext_lazy("audit detail", "inboxes reached"),
    "reason": pgettext_lazy("audit detail", "reason"),
    "resent": pgettext_lazy("audit detail", "sent again"),
    "revision": pgettext_lazy("audit detail", "revision"),
    "robot": pgettext_lazy("audit detail", "robot"),
    "robots": pgettext_lazy("audit detail", "group robots"),
    "role": pgettext_lazy("audit detail", "role"),
    "roles": pgettext_lazy("audit detail", "roles"),
    "rows": pgettext_lazy("audit detail", "rows"),
    "sent": pgettext_lazy("audit detail", "sent"),
    "sms": pgettext_lazy("audit detail", "text messages"),
    "shift": pgettext_lazy("audit detail", "shift"),
    "site": pgettext_lazy("audit detail", "site"),
    "size": pgettext_lazy("audit detail", "size"),
    "source": pgettext_lazy("audit detail", "how"),
    "spam_score": pgettext_lazy("audit detail", "spam score"),
    "squad": pgettext_lazy("audit detail", "squad"),
    "starts_on": pgettext_lazy("audit detail", "starts on"),
    "station": pgettext_lazy("audit detail", "police station"),
    "task": pgettext_lazy("audit detail", "task"),
    "tip": pgettext_lazy("audit detail", "tip"),
    "tips": pgettext_lazy("audit detail", "tips"),
    "title": pgettext_lazy("audit detail", "title"),
    "to": pgettext_lazy("audit detail", "to"),
    "tries": pgettext_lazy("audit detail", "tries"),
    "tries_left": pgettext_lazy("audit detail", "tries left"),
    "unchanged": pgettext_lazy("audit detail", "unchanged"),
    "updated": pgettext_lazy("audit detail", "updated"),
    "urgent": pgettext_lazy("audit detail", "urgent"),
    "user": pgettext_lazy("audit detail", "user"),
    "version": pgettext_lazy("audit detail", "version"),
    "wanted": pgettext_lazy("audit detail", "wanted"),
    "with_contact": pgettext_lazy("audit detail", "left contact details"),
    "event": pgettext_lazy("audit detail", "event"),
    "status": pgettext_lazy("audit detail", "status"),
    "by_staff": pgettext_lazy("audit detail", "by the staff"),
    "people_reached": pgettext_lazy("audit detail", "people reached"),
    "attended": pgettext_lazy("audit detail", "came"),
    "skill": pgettext_lazy("audit detail", "skill"),
}

# Keys that hold ids, and the model they point at, by default and for codes that differ.
REFERENCES = {
    "deputies": "accounts.user",
    "event": "events.event",
    "into": "tips.tip",
    "leader": "accounts.user",
    "member": "members.member",
    "shift": "shifts.shift",
    "site": "places.site",
    "station": "places.policestation",
    "user": "accounts.user",
}
REFERENCES_BY_CODE = {
    "bulletins.sighting.reported": {"bulletin": "bulletins.bulletin", "tip": "tips.tip"},
    "tips.tip.assigned": {"from": "accounts.user", "to": "accounts.user"},
    "tips.tip.escalated": {"from": "accounts.user", "to": "accounts.user"},
}
RELATED = {"members.member": ["user"]}  # what str() of each reads, fetched with it

MINUTES = {"late_minutes", "minutes", "minutes_asked", "minutes_before"}
LOGIN_METHODS = {
    "code": _("a text message code"),
    "password": _("password"),
    "password_and_code": _("password and a text message code"),
}

# Choices each key's value comes from, by dotted path, by default and for codes that differ.
CHOICES = {
    "category": "yixun.tips.models.TipCategory",
    "finding": "yixun.patrols.models.Finding",
    "outcome": "yixun.tips.models.Outcome",
    "purpose": "yixun.accounts.models.PhoneCode.Purpose",
    "role": "yixun.accounts.roles.Role",
    "roles": "yixun.accounts.roles.Role",
}
CHOICES_BY_CODE = {
    "bulletins.bulletin.written": {"kind": "yixun.bulletins.models.Kind"},
    "bulletins.bulletin.edited": {"kind": "yixun.bulletins.models.Kind"},
    "bulletins.share_post.recorded": {"channel": "yixun.bulletins.models.SharePost.Channel"},
    "bulletins.preference.changed": {
        "channels": "yixun.bulletins.models.Preference.Channel",
        "kinds": "yixun.bulletins.models.Kind",
    },
    "bulletins.subscriber.followed_in_browser": {"kinds": "yixun.bulletins.models.Kind"},
    "events.registration.created": {"status": "yixun.events.models.RegistrationStatus"},
    "events.event.skill_granted": {"skill": "yixun.members.models.Skill"},
    "events.event.briefing_granted": {"kind": "yixun.shifts.models.ShiftKind"},
    "members.application.approved": {"kind": "yixun.members.models.MemberKind"},
    "members.member.kind_changed": {
        "from": "yixun.members.models.MemberKind",
        "to": "yixun.members.models.MemberKind",
    },
    "members.member.status_changed": {
        "from": "yixun.members.models.MemberStatus",
        "to": "yixun.members.models.MemberStatus",
    },
    "members.rulebook_document.created": {"kind": "yixun.members.models.DocumentKind"},
    "patrols.duty.checked_in": {"method": "yixun.patrols.models.CheckInMethod"},
    "patrols.duty.checked_out": {"method": "yixun.patrols.models.CheckOutMethod"},
    "patrols.incident.recorded": {"kind": "yixun.patrols.models.IncidentKind"},
    "shifts.claim.created": {"source": "yixun.shifts.models.ClaimSource"},
    "shifts.safety_briefing.published": {"kind": "yixun.shifts.models.ShiftKind"},
    "tips.tip.message_written": {"kind": "yixun.tips.models.MessageKind"},
    "tips.tip.received": {"source": "yixun.tips.models.TipSource"},
}

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Described:
    entry: AuditEntry
    sentence: str
    details: list[tuple[str, str]] = field(default_factory=list)


def sentence_for(action: str) -> Promise | None:
    return SENTENCES.get(action)


def describe(entries: Iterable[AuditEntry]) -> list[Described]:
    """Each entry as a sentence and its details; the people, shifts and sites named by id in
    the details are fetched together, one query per kind, however many entries there are."""
    entries = list(entries)
    names = _fetch_names(entries)
    return [_describe(entry, names) for entry in entries]


def _reference(action: str, key: str) -> str | None:
    return REFERENCES_BY_CODE.get(action, {}).get(key) or REFERENCES.get(key)


def _ids(value: Any) -> list[int]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


def _fetch_names(entries: list[AuditEntry]) -> dict[str, dict[int, str]]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        for key, value in (entry.data or {}).items():
            if label := _reference(entry.action, key):
                wanted[label].update(_ids(value))
    names: dict[str, dict[int, str]] = {}
    for label, ids in wanted.items():
        model = apps.get_model(label)
        found = model._default_manager.select_related(*RELATED.get(label, [])).in_bulk(ids)
        names[label] = {pk: str(obj) for pk, obj in found.items()}
    return names


def _describe(entry: AuditEntry, names: Mapping[str, Mapping[int, str]]) -> Described:
    data = entry.data if isinstance(entry.data, dict) else {}
    values = {key: _value(entry, key, item, names) for key, item in data.items()}
    template = SENTENCES.get(entry.action)
    words = _Words(values)
    words["actor"] = entry.actor.name if entry.actor else gettext("The system")
    words["target"] = entry.target_label or "—"
    if template is None:  # an entry written before its code was retired
        sentence = gettext("%(actor)s: %(action)s") % {
            "actor": words["actor"],
            "action": entry.action,
        }
        used: set[str] = set()
    else:
        sentence = str(template) % words
        used = set(PLACEHOLDER.findall(str(template)))
    details = [(_label(entry, key), values[key]) for key in data if key not in used and values[key]]
    return Described(entry=entry, sentence=sentence, details=details)


class _Words(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "—"


def _label(entry: AuditEntry, key: str) -> str:
    if key in LABELS:
        return str(LABELS[key])
    model = _target_model(entry)
    if model is not None:
        try:
            found = model._meta.get_field(key)
        except FieldDoesNotExist:
            found = None
        if isinstance(found, models.Field):
            return str(found.verbose_name)
    return key.replace("_", " ")


def _target_model(entry: AuditEntry) -> type[models.Model] | None:
    if not entry.target_type:
        return None
    try:
        return apps.get_model(entry.target_type)
    except (LookupError, ValueError):
        return None


def _value(entry: AuditEntry, key: str, value: Any, names: Mapping[str, Mapping[int, str]]) -> str:
    if value == REDACTED:
        return gettext("hidden")
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if value is None or value == "" or value == []:
        return "—"
    if label := _reference(entry.action, key):
        known = names.get(label, {})
        return _join(known.get(pk, f"#{pk}") for pk in _ids(value)) or str(value)
    if key in MINUTES:
        return format_minutes(value)
    if key == "method" and entry.action.startswith("accounts.user."):
        return str(LOGIN_METHODS.get(value, value))
    if key == "fields" and isinstance(value, list):
        return _join(_label(entry, str(name)) for name in value)
    if isinstance(value, list) and len(value) == 2 and entry.action.endswith(".changed"):
        return f"{_plain(value[0])} → {_plain(value[1])}"
    if choices := CHOICES_BY_CODE.get(entry.action, {}).get(key) or CHOICES.get(key):
        return _join(_choice(choices, item) for item in _listed(value))
    if isinstance(value, list):
        return _join(_plain(item) for item in value)
    return _plain(value)


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _choice(path: str, value: Any) -> str:
    try:
        return str(_choices(path)(value).label)
    except (ImportError, AttributeError, ValueError):
        return _plain(value)


def _choices(path: str) -> Any:
    try:
        return import_string(path)
    except ImportError:  # a class inside a model, such as PhoneCode.Purpose
        module, _dot, inner = path.rpartition(".")
        return getattr(import_string(module), inner)


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if value is None or value == "":
        return "—"
    if isinstance(value, str) and ISO_DAY.match(value):
        try:
            return formats.date_format(dt.date.fromisoformat(value), "DATE_FORMAT")
        except ValueError:
            return value
    return str(value)


def _join(items: Iterable[str]) -> str:
    return pgettext("list separator", ", ").join(items)
