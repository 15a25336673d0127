"""A tip's contact details and photos go when their time is up, and only then; the tip stays.
Every test runs at one frozen moment, with tips made days before it."""

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from yixun.audit.models import AuditEntry
from yixun.tips.models import Tip, TipPhoto, TipRules
from yixun.tips.services import clocks, intake, retention, triage

NOW = dt.datetime(2026, 6, 15, 4, tzinfo=dt.UTC)  # noon in Shanghai


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def photo() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 90, 0)).save(out, "JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")


def received(days_ago: int, n: int) -> Tip:
    """A tip with a contact and a photo, sent `days_ago` days before now (each from its own
    address and with its own words: the rate limit and the spam screening are not tested here)."""
    with time_machine.travel(NOW - dt.timedelta(days=days_ago), tick=False):
        return intake.submit_tip(
            report=intake.Report(
                category="public_order",
                text=f"第{n}号：城关镇菜市场门口有人打架，已经有人受伤",
                contact_name="李先生",
                contact_phone="13912345678",
            ),
            address=f"10.0.1.{n}",
            photos=[photo()],
        )


def closed(days_ago: int, n: int, moderator) -> Tip:
    """A tip received and closed `days_ago` days before now."""
    tip = received(days_ago, n)
    with time_machine.travel(NOW - dt.timedelta(days=days_ago), tick=False):
        triage.take(tip=tip, actor=moderator)
        return triage.close(tip=tip, actor=moderator, reason="已处理")


@pytest.fixture
def tips(moderator) -> dict[str, Tip]:
    """Tips of every kind, due and not due (the defaults: 180 days for both)."""
    old_main = closed(400, 1, moderator)
    open_main = received(400, 2)
    merged_old = received(300, 3)
    merged_open = received(300, 4)
    spam_old = received(200, 5)
    spam_new = received(20, 6)
    with time_machine.travel(NOW - dt.timedelta(days=20), tick=False):
        triage.merge(tip=merged_old, into=old_main, actor=moderator)
        triage.merge(tip=merged_open, into=open_main, actor=moderator)
        triage.mark_spam(tips=[spam_old, spam_new], actor=moderator)
    return {
        "closed_long_ago": closed(181, 7, moderator),
        "old_main": old_main,
        "merged_into_closed": merged_old,
        "spam_long_ago": spam_old,
        "closed_lately": closed(179, 8, moderator),
        "open_for_long": open_main,
        "merged_into_open": merged_open,
        "spam_lately": spam_new,
    }


GONE = {"closed_long_ago", "old_main", "merged_into_closed", "spam_long_ago"}


def run(capture, job, **options) -> int:
    """Run a job as cron would: the files go when each batch commits."""
    with capture(execute=True):
        return job(NOW, **options)


def files(media: Path) -> set[str]:
    return {str(path.relative_to(media)) for path in media.rglob("*.jpg")}


@pytest.mark.parametrize("batch_size", [500, 1, 3])
def test_contacts_and_photos_of_tips_done_with_go_and_the_rest_stays(
    tips, media, django_capture_on_commit_callbacks, batch_size
) -> None:
    texts = {name: tip.text for name, tip in tips.items()}
    kept_files = {TipPhoto.objects.get(tip=tips[name]).image.name for name in tips.keys() - GONE}
    assert len(files(media)) == 8

    erased = run(
        django_capture_on_commit_callbacks,
        clocks.erase_expired_contacts,
        batch_size=batch_size,
    )
    deleted = run(
        django_capture_on_commit_callbacks,
        retention.delete_expired_photos,
        batch_size=batch_size,
    )

    assert (erased, deleted) == (4, 4)
    for name, tip in tips.items():
        tip.refresh_from_db()
        assert tip.text == texts[name]  # the tip itself stays
        if name in GONE:
            assert not tip.has_contact and tip.contact_erased_at == NOW, name
            assert not TipPhoto.objects.filter(tip=tip).exists(), name
        else:
            assert tip.contact()[0] == "李先生", name
            assert tip.contact_erased_at is None and TipPhoto.objects.filter(tip=tip).exists()
    assert files(media) == kept_files
    assert Tip.objects.count() == 8


def test_each_job_leaves_one_trace_of_counts_and_a_second_run_does_nothing(
    tips, django_capture_on_commit_callbacks
) -> None:
    run(django_capture_on_commit_callbacks, clocks.erase_expired_contacts, batch_size=2)
    run(django_capture_on_commit_callbacks, retention.delete_expired_photos, batch_size=2)
    contacts = AuditEntry.objects.get(action="tips.contact.erased")
    photos = AuditEntry.objects.get(action="tips.tip_photo.deleted")
    assert contacts.data == {"tips": 4} and contacts.actor is None and not contacts.target_id
    assert photos.data == {"count": 4, "before": "2025-12-17"} and not photos.target_id
    before = AuditEntry.objects.count()

    assert run(django_capture_on_commit_callbacks, clocks.erase_expired_contacts) == 0
    assert run(django_capture_on_commit_callbacks, retention.delete_expired_photos) == 0
    assert AuditEntry.objects.count() == before


def test_a_dry_run_counts_and_changes_nothing(
    tips, media, django_capture_on_commit_callbacks
) -> None:
    entries = AuditEntry.objects.count()
    assert run(django_capture_on_commit_callbacks, clocks.erase_expired_contacts, dry_run=True) == 4
    assert (
        run(django_capture_on_commit_callbacks, retention.delete_expired_photos, dry_run=True) == 4
    )
    assert Tip.objects.filter(contact_erased_at__isnull=False).count() == 0
    assert TipPhoto.objects.count() == 8 and len(files(media)) == 8
    assert AuditEntry.objects.count() == entries


def test_the_officers_rule_decides_for_contacts(
    moderator, django_capture_on_commit_callbacks
) -> None:
    tip = closed(40, 1, moderator)
    assert run(django_capture_on_commit_callbacks, clocks.erase_expired_contacts) == 0
    TipRules.objects.filter(pk=TipRules.current().pk).update(contact_retention_days=30)
    assert run(django_capture_on_commit_callbacks, clocks.erase_expired_contacts) == 1
    tip.refresh_from_db()
    assert not tip.has_contact and TipPhoto.objects.filter(tip=tip).exists()


def test_the_photos_own_setting_decides_for_photos(
    settings, moderator, django_capture_on_commit_callbacks
) -> None:
    tip = closed(40, 1, moderator)
    settings.YIXUN_RETAIN_TIP_PHOTOS_DAYS = 30
    assert run(django_capture_on_commit_callbacks, retention.delete_expired_photos) == 1
    tip.refresh_from_db()
    assert tip.has_contact and not TipPhoto.objects.filter(tip=tip).exists()


def test_a_photo_file_already_gone_is_no_error(
    moderator, media, django_capture_on_commit_callbacks
) -> None:
    tip = closed(200, 1, moderator)
    (media / TipPhoto.objects.get(tip=tip).image.name).unlink()
    assert run(django_capture_on_commit_callbacks, retention.delete_expired_photos) == 1
    assert not TipPhoto.objects.exists()


def test_a_tip_taken_out_of_spam_meanwhile_keeps_its_contact(
    moderator, django_capture_on_commit_callbacks
) -> None:
    """Each batch re-checks the rule as it writes: a tip a moderator restored after the batch's
    keys were read is not erased."""
    tip = received(200, 1)
    triage.mark_spam(tips=[tip], actor=moderator)
    due = retention.contacts_due(NOW)
    assert list(due.values_list("pk", flat=True)) == [tip.pk]
    triage.restore(tip=tip, actor=moderator)
    assert due.filter(pk__in=[tip.pk]).update(contact_name="") == 0
    assert run(django_capture_on_commit_callbacks, clocks.erase_expired_contacts) == 0
