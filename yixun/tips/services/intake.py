"""Taking a tip in: from the public page, a member's page, the API or Open311. Rate limits per
address and phone, a captcha after a few, the spam score, the clocks; contact details only if
given, encrypted, and never in the audit trail."""

import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yixun.accounts import throttle
from yixun.audit import services as audit
from yixun.lib import phone as phones
from yixun.lib.images import clean_photo
from yixun.lib.text import normalise
from yixun.tips.models import Tip, TipPhoto, TipRules
from yixun.tips.services import screening, urgency
from yixun.tips.services.errors import Conflict, TipRefused, TooMany
from yixun.tips.tasks import announce_tip, start_tip_clocks

HOUR = dt.timedelta(hours=1)
MAX_PHOTOS = 4


@dataclass(frozen=True)
class Report:
    category: str
    text: str
    place: str = ""
    point: tuple[float, float] | None = None
    occurred_at: dt.datetime | None = None
    is_happening_now: bool = False
    contact_name: str = ""
    contact_phone: str = ""

    def digest(self) -> str:
        """A fingerprint of everything reported, to bind an idempotency key to it."""
        canonical = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


def captcha_due(*, address: str, reporter: Any = None, key: uuid.UUID | None = None) -> bool:
    """Whether this sender must prove they are a person before a tip is taken: someone of the
    public (a signed-in member is known) whose address has sent a few tips within the hour. A
    resend of a tip already taken is no new tip. The tip page, the API and Open311 all ask this.
    """
    if reporter is not None and getattr(reporter, "is_authenticated", False):
        return False
    if key is not None and Tip.objects.filter(key=key).exists():
        return False
    rules = TipRules.current()
    return (
        throttle.retry_after("tip.address", address, limit=rules.captcha_after, window=HOUR)
        is not None
    )


def _check_limits(address: str, phone: str, rules: TipRules) -> None:
    for kind, key in (("tip.address", address), ("tip.phone", phone)):
        if key and throttle.retry_after(kind, key, limit=rules.tips_per_hour, window=HOUR):
            raise TooMany(_("Too many tips from here in the last hour. In an emergency call 110."))


def submit_tip(
    *,
    report: Report,
    address: str,
    reporter: Any = None,
    source: str = Tip.Source.WEB,
    photos: Sequence[UploadedFile] = (),
    key: uuid.UUID | None = None,
    announce: bool = True,
) -> Tip:
    """Take a tip in and start its clocks. Raises TipRefused for bad input (nothing is kept),
    TooMany past the rate limit; a likely spam is kept, in the spam folder. A resend with the
    same key returns the tip the first send made. `announce=False`: the caller tells the
    moderators itself (an urgent alert's sighting), so they get one message, not two."""
    digest = report.digest()
    if key is not None and (sent := _sent_with(key, digest)) is not None:
        return sent
    if report.category not in Tip.Category.values:
        raise TipRefused(_("Choose what the tip is about."), code="invalid")
    text = report.text.strip()
    if len(text) < 5:
        raise TipRefused(_("Say in a few words what happened."), code="too_short")
    if len(text) > 4000:
        raise TipRefused(_("Keep it under 4,000 characters."), code="too_long")
    phone = ""
    if report.contact_phone.strip():
        try:
            phone = phones.normalize_mobile(report.contact_phone)
        except phones.InvalidPhone:
            raise TipRefused(
                _("Enter a mainland mobile number, or leave it empty."), code="invalid_phone"
            ) from None
    if report.occurred_at is not None and report.occurred_at > timezone.now() + dt.timedelta(
        minutes=5
    ):
        # A conflict with the clock, not bad input: the same time is fine an hour later.
        raise Conflict(_("That time is in the future."), code="future")
    if len(photos) > MAX_PHOTOS:
        raise TipRefused(_("Send at most four photos."), code="too_many_photos")
    cleaned = [clean_photo(upload) for upload in photos]  # ValidationError with the reason
    rules = TipRules.current()
    _check_limits(address, phone, rules)
    normalised = normalise(f"{text} {report.place}")
    since = timezone.now() - dt.timedelta(days=1)
    repeated = Tip.objects.filter(normalised=normalised, created_at__gte=since).exists()
    spam = screening.score(normalised, repeated=repeated)
    now = timezone.now()
    urgent = urgency.starts_urgent(
        category=report.category, text=text, is_happening_now=report.is_happening_now
    )
    is_member = reporter is not None and getattr(reporter, "is_authenticated", False)
    try:
        tip = _keep(
            Tip(
                category=report.category,
                text=text,
                place=report.place.strip()[:200],
                latitude=Decimal(f"{report.point[0]:.6f}") if report.point else None,
                longitude=Decimal(f"{report.point[1]:.6f}") if report.point else None,
                occurred_at=report.occurred_at,
                is_happening_now=report.is_happening_now,
                source=source,
                key=key,
                key_digest=digest if key is not None else "",
                reporter=reporter if is_member else None,
                normalised=normalised,
                is_urgent=urgent,
                spam_score=spam.value,
                spam_reasons=spam.reasons,
                status=Tip.Status.SPAM if spam.value >= rules.spam_threshold else Tip.Status.NEW,
                ack_due_at=now + rules.ack_within(urgent=urgent),
                resolve_due_at=now + rules.resolve_within,
                created_at=now,
            ),
            contact_name=report.contact_name,
            phone=phone,
            photos=cleaned,
            actor=reporter if is_member else None,
            address=address,
            announce=announce,
        )
    except IntegrityError:  # the same key, sent twice at the same moment: the first won
        if key is not None and (sent := _sent_with(key, digest)) is not None:
            return sent
        raise
    return tip


def _sent_with(key: uuid.UUID, digest: str) -> Tip | None:
    """The tip an earlier send with this key made, if it sent the same report. A key is bound to
    what was sent with it, not to the address: a phone that moved from 4G to Wi-Fi still gets its
    tracking code back, and someone else's report under the same key is refused."""
    sent = Tip.objects.filter(key=key).first()
    if sent is None:
        return None
    if not hmac.compare_digest(sent.key_digest, digest):
        raise Conflict(_("This idempotency key was used for something else."), code="key_reused")
    return sent


def _keep(
    tip: Tip,
    *,
    contact_name: str,
    phone: str,
    photos: Sequence[Any],
    actor: Any,
    address: str,
    announce: bool,
) -> Tip:
    """Write the tip, its photos, its audit entry and its counts, in one transaction."""
    with transaction.atomic():
        tip.set_contact(name=contact_name.strip()[:60], phone=phone)
        tip.save()
        for clean in photos:
            photo = TipPhoto(tip=tip)
            photo.image.save("photo.jpg", clean.content, save=False)
            photo.save()
        audit.record(
            actor=actor,
            action="tips.tip.received",
            target=tip,
            data={
                "category": tip.category,
                "source": tip.source,
                "urgent": tip.is_urgent,
                "spam_score": tip.spam_score,
                "with_contact": tip.has_contact,  # whether, never what
            },
        )
        throttle.note("tip.address", address)
        if phone:
            throttle.note("tip.phone", phone)
        if tip.status == Tip.Status.NEW:
            # One task, queued in the tip's transaction (the database queue): taken with the
            # tip or not at all. The worker sends the moderators' messages and starts the
            # clocks; the request does not wait for a message per moderator.
            (announce_tip if announce else start_tip_clocks).enqueue(tip.pk)
    return tip
