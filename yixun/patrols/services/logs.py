"""The patrol log: inspections, incidents and photos as they happen; the leader's summary and
approval; corrections after approval that keep what was there."""

import datetime as dt
import uuid
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from yixun.audit import services as audit
from yixun.lib.images import clean_photo
from yixun.members.models import Member
from yixun.patrols.models import (
    Duty,
    DutyRules,
    Incident,
    Inspection,
    LogCorrection,
    PatrolLog,
    Photo,
)
from yixun.patrols.services import places
from yixun.patrols.services.duty import may_lead, when
from yixun.patrols.services.errors import Conflict, DutyRefused, NotAllowed
from yixun.places.models import Site
from yixun.shifts.models import Claim, Shift

LARGEST_COUNT = 100_000  # more people than a county patrol meets in a day: a typing slip
# After the end a patrol may still write up what it did, for this long.
WRITE_UP = dt.timedelta(hours=48)


def _check_site(shift: Shift, site: Site) -> None:
    """A shift inspects its own sites: its site, its route's, its area's. Another town's site
    would count in another town's figures."""
    own = places.sites_of(shift)
    if own and site not in own:
        raise DutyRefused(
            _("%(site)s is not on this shift's patrol.") % {"site": site.name}, code="wrong_site"
        )


def log_of(shift: Shift) -> PatrolLog:
    """The shift's log, made on first use."""
    log, _created = PatrolLog.objects.get_or_create(
        shift=shift, defaults={"squad": shift.squad, "area": places.area_of(shift)}
    )
    return log


def may_record(user: Any, shift: Shift) -> bool:
    """Whoever holds a place on the shift records what it did; so does its leader."""
    on_shift = Claim.objects.active().filter(shift=shift, member__user=user).exists()
    return on_shift or may_lead(user, shift)


def _recorder(actor: Any, shift: Shift) -> Member | None:
    if not may_record(actor, shift):
        raise NotAllowed(_("Only the people on this shift and its leader may write its log."))
    return Member.objects.filter(user=actor).select_related("squad").first()


def _check_time(shift: Shift, at: dt.datetime | None) -> dt.datetime:
    at = when(at)
    opens = shift.starts_at - dt.timedelta(minutes=DutyRules.current().open_minutes_before)
    if not opens <= at <= shift.ends_at + WRITE_UP:
        raise DutyRefused(
            _("That time is outside the shift (%(start)s–%(end)s).")
            % {
                "start": f"{timezone.localtime(shift.starts_at):%m-%d %H:%M}",
                "end": f"{timezone.localtime(shift.ends_at):%m-%d %H:%M}",
            },
            code="outside_shift",
        )
    return at


def _open_log(shift: Shift) -> PatrolLog:
    if shift.is_cancelled:
        raise DutyRefused(_("This shift is cancelled."), code="cancelled")
    log = log_of(shift)
    if log.is_approved:
        raise DutyRefused(
            _("The log is approved; ask the leader for a correction."), code="approved"
        )
    return log


def _count(value: int, label: str) -> int:
    if not 0 <= value <= LARGEST_COUNT:
        raise DutyRefused(
            _("%(what)s must be a number from 0 to %(most)s.")
            % {"what": label, "most": f"{LARGEST_COUNT:,}"},
            code="invalid_count",
        )
    return value


def _count_label(name: str) -> str:
    return {
        "people_helped": _("People helped"),
        "leaflets": _("Leaflets handed out"),
        "people_reached": _("People reached"),
    }[name]


def _resent(model: type[Any], key: uuid.UUID | None, actor: Any) -> Any:
    """The record a resend with the same key made already, if this person sent it."""
    if key is None:
        return None
    found = model.objects.filter(key=key).first()
    if found is None:
        return None
    if found.created_by_id != actor.pk:
        raise Conflict(_("This idempotency key was used for something else."), code="key_reused")
    return found


def _sent_at_once(
    model: type[Any], key: uuid.UUID | None, actor: Any, error: IntegrityError
) -> Any:
    """After an insert failed: the record this key made a moment earlier (the same send arriving
    twice at once). With no key, or a key that made nothing, the failure was something else (a
    site or an account removed meanwhile): a plain refusal, not a search for a record that
    cannot exist."""
    found = _resent(model, key, actor)
    if found is None:
        raise Conflict(
            _("Something this record refers to changed meanwhile. Reload and try again."),
            code="conflict",
        ) from error
    return found


def record_inspection(
    *,
    shift: Shift,
    actor: Any,
    site: Site,
    finding: str,
    note: str = "",
    occurred_at: dt.datetime | None = None,
    key: uuid.UUID | None = None,
) -> tuple[Inspection, bool]:
    """Record a site inspection. A resend with the same key returns the first record."""
    member = _recorder(actor, shift)
    if (found := _resent(Inspection, key, actor)) is not None:
        return found, False
    at = _check_time(shift, occurred_at)
    if finding not in Inspection.Finding.values:
        raise DutyRefused(_("Choose a finding."), code="invalid")
    if not site.is_active:
        raise DutyRefused(_("This site is no longer watched."), code="inactive_site")
    _check_site(shift, site)
    log = _open_log(shift)
    try:
        with transaction.atomic():
            inspection = Inspection.objects.create(
                log=log,
                site=site,
                finding=finding,
                note=note.strip()[:2000],
                occurred_at=at,
                recorded_by=member,
                created_by=actor,
                squad=member.squad if member else log.squad,
                area=site.area,
                key=key or uuid.uuid4(),
            )
            audit.record(
                actor=actor,
                action="patrols.inspection.recorded",
                target=inspection,
                data={"site": site.pk, "finding": finding},
            )
    except IntegrityError as error:  # the same key sent twice at once, or something else
        return _sent_at_once(Inspection, key, actor, error), False
    return inspection, True


def record_incident(
    *,
    shift: Shift,
    actor: Any,
    kind: str,
    account: str,
    place: str = "",
    point: tuple[float, float] | None = None,
    people_helped: int = 0,
    leaflets: int = 0,
    people_reached: int = 0,
    occurred_at: dt.datetime | None = None,
    key: uuid.UUID | None = None,
) -> tuple[Incident, bool]:
    """Record an incident the patrol dealt with. A resend with the same key returns the first."""
    member = _recorder(actor, shift)
    if (found := _resent(Incident, key, actor)) is not None:
        return found, False
    at = _check_time(shift, occurred_at)
    if kind not in Incident.Kind.values:
        raise DutyRefused(_("Choose what kind of incident it was."), code="invalid")
    if not account.strip():
        raise DutyRefused(_("Say in a few words what happened."), code="account_needed")
    counts = {
        "people_helped": _count(people_helped, _count_label("people_helped")),
        "leaflets": _count(leaflets, _count_label("leaflets")),
        "people_reached": _count(people_reached, _count_label("people_reached")),
    }
    log = _open_log(shift)
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                log=log,
                kind=kind,
                account=account.strip()[:2000],
                place=place.strip()[:200],
                latitude=round(point[0], 6) if point else None,
                longitude=round(point[1], 6) if point else None,
                occurred_at=at,
                recorded_by=member,
                created_by=actor,
                squad=member.squad if member else log.squad,
                area=log.area,
                key=key or uuid.uuid4(),
                **counts,
            )
            audit.record(
                actor=actor,
                action="patrols.incident.recorded",
                target=incident,
                data={"kind": kind, **counts},
            )
    except IntegrityError as error:
        return _sent_at_once(Incident, key, actor, error), False
    return incident, True


def add_photo(
    *,
    shift: Shift,
    actor: Any,
    upload: UploadedFile,
    inspection: Inspection | None = None,
    incident: Incident | None = None,
    caption: str = "",
    key: uuid.UUID | None = None,
) -> tuple[Photo, bool]:
    """Attach a photo, re-encoded without EXIF or its GPS, to the log or one of its records."""
    member = _recorder(actor, shift)
    if (found := _resent(Photo, key, actor)) is not None:
        return found, False
    log = _open_log(shift)
    for record in (inspection, incident):
        if record is not None and record.log_id != log.pk:
            raise DutyRefused(_("That record belongs to another shift."), code="invalid")
    clean = clean_photo(upload)  # raises ValidationError with a translated message
    try:
        with transaction.atomic():
            photo = Photo(
                log=log,
                inspection=inspection,
                incident=incident,
                caption=caption.strip()[:200],
                uploaded_by=member,
                created_by=actor,
                key=key or uuid.uuid4(),
            )
            photo.image.save("photo.jpg", clean.content, save=False)
            photo.save()
            audit.record(actor=actor, action="patrols.photo.added", target=photo)
    except IntegrityError as error:
        return _sent_at_once(Photo, key, actor, error), False
    return photo, True


def write_summary(*, log: PatrolLog, actor: Any, summary: str) -> PatrolLog:
    """The leader's account of the shift as a whole."""
    if not may_lead(actor, log.shift):
        raise NotAllowed(_("Only the shift's leader writes its summary."))
    if log.is_approved:
        raise DutyRefused(
            _("The log is approved; ask the leader for a correction."), code="approved"
        )
    with transaction.atomic():
        log.summary = summary.strip()[:5000]
        log.save(update_fields=["summary"])
        audit.record(actor=actor, action="patrols.patrol_log.summarised", target=log)
    return log


def approve_log(*, log: PatrolLog, actor: Any) -> PatrolLog:
    """The leader approves the log; from then on it changes only through corrections."""
    if not may_lead(actor, log.shift):
        raise NotAllowed(_("Only the shift's leader approves its log."))
    if log.is_approved:
        return log
    if not log.summary.strip():
        raise DutyRefused(_("Write the summary before approving."), code="summary_needed")
    if log.shift.ends_at > timezone.now():
        raise DutyRefused(
            _("Approve the log when the shift is over: its people may still be writing."),
            code="not_over",
        )
    if Duty.objects.filter(shift=log.shift, status=Duty.Status.ON_DUTY).exists():
        raise DutyRefused(_("Someone is still on duty: check them out first."), code="on_duty")
    with transaction.atomic():
        updated = PatrolLog.objects.filter(pk=log.pk, status=PatrolLog.Status.OPEN).update(
            status=PatrolLog.Status.APPROVED, approved_by=actor, approved_at=timezone.now()
        )
        if updated:
            audit.record(actor=actor, action="patrols.patrol_log.approved", target=log)
    log.refresh_from_db()
    return log


INSPECTION_FIELDS = ("site", "finding", "note", "occurred_at")
INCIDENT_FIELDS = (
    "kind",
    "place",
    "account",
    "people_helped",
    "leaflets",
    "people_reached",
    "occurred_at",
)


def _snapshot(record: Inspection | Incident, fields: tuple[str, ...]) -> dict[str, Any]:
    data = model_to_dict(record, fields=fields)
    return {
        key: value.isoformat() if isinstance(value, dt.datetime) else value
        for key, value in data.items()
    }


def correct_entry(
    *, record: Inspection | Incident, actor: Any, changes: dict[str, Any], reason: str
) -> Inspection | Incident:
    """Change an inspection or an incident. Before approval the recorder or the leader may;
    after it only the leader, with a reason, and the original is kept beside the change."""
    log = PatrolLog.objects.select_related("shift").get(pk=record.log_id)  # as it is now
    shift = log.shift
    fields = INSPECTION_FIELDS if isinstance(record, Inspection) else INCIDENT_FIELDS
    unknown = set(changes) - set(fields)
    if unknown:
        raise DutyRefused(_("These fields cannot be changed."), code="invalid")
    leads = may_lead(actor, shift)
    own = record.recorded_by is not None and record.recorded_by.user_id == actor.pk
    if log.is_approved and not leads:
        raise NotAllowed(_("Only the leader corrects an approved log."))
    if not log.is_approved and not (leads or own):
        raise NotAllowed(_("Only who recorded it, or the leader, may change it."))
    if log.is_approved and not reason.strip():
        raise DutyRefused(_("Say why the approved log is corrected."), code="reason_needed")
    if "site" in changes:
        _check_site(shift, changes["site"])
    if "occurred_at" in changes:
        changes["occurred_at"] = _check_time(shift, changes["occurred_at"])
    if isinstance(record, Incident):
        for name in ("people_helped", "leaflets", "people_reached"):
            if name in changes:
                changes[name] = _count(int(changes[name]), _count_label(name))
        if "kind" in changes and changes["kind"] not in Incident.Kind.values:
            raise DutyRefused(_("Choose what kind of incident it was."), code="invalid")
    elif "finding" in changes and changes["finding"] not in Inspection.Finding.values:
        raise DutyRefused(_("Choose a finding."), code="invalid")
    with transaction.atomic():
        before = _snapshot(record, tuple(changes))
        for name, value in changes.items():
            setattr(record, name, value)
        if isinstance(record, Inspection) and "site" in changes:
            record.area = record.site.area
        after = _snapshot(record, tuple(changes))
        if after == before:  # the same values again (a resend): nothing to record
            return record
        record.save()
        if log.is_approved:
            LogCorrection.objects.create(
                log=log,
                inspection=record if isinstance(record, Inspection) else None,
                incident=record if isinstance(record, Incident) else None,
                before=before,
                after=after,
                reason=reason.strip()[:300],
                corrected_by=actor,
            )
        audit.record(
            actor=actor,
            action=f"patrols.{record._meta.model_name}.corrected",
            target=record,
            data={"before": before, "after": after, "reason": reason[:300]},
        )
    return record
