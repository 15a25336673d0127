"""A patrol's photos and where a volunteer checked in go when their time is up, and only then;
the duties, logs and incidents stay, and so do the figures. Every test runs at one frozen moment,
with patrols made days before it."""

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from yixun.audit.models import AuditEntry
from yixun.patrols.models import Duty, Incident, Photo
from yixun.patrols.services import duty as duties
from yixun.patrols.services import logs, retention
from yixun.patrols.tests.conftest import make_shift, put_on
from yixun.stats.figures import Scope, compute

NOW = dt.datetime(2026, 6, 15, 4, tzinfo=dt.UTC)  # noon in Shanghai
NEAR_SCHOOL = (31.0001, 114.0001)  # about 15 m from the school's gate


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def upload() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 90, 200)).save(out, "JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")


def patrol(days_ago: int, school, user) -> Duty:
    """A shift `days_ago` days before now: checked in by position, an incident with its place,
    a photo of it, checked out."""
    with time_machine.travel(NOW - dt.timedelta(days=days_ago), tick=False):
        shift = make_shift(school, started_minutes_ago=30, hours=3)
        duty, _ = duties.check_in(
            claim=put_on(shift, user), actor=user, method="gps", point=NEAR_SCHOOL
        )
        incident, _ = logs.record_incident(
            shift=shift,
            actor=user,
            kind="accident",
            account="化解剐蹭",
            point=(31.0002, 114.0002),
            people_helped=1,
        )
        logs.add_photo(shift=shift, actor=user, upload=upload(), incident=incident)
    with time_machine.travel(NOW - dt.timedelta(days=days_ago) + dt.timedelta(hours=2)):
        return duties.check_out(duty=duty, actor=user)


@pytest.fixture
def patrols(school, volunteer, volunteer2) -> dict[int, Duty]:
    """Patrols on either side of each default: positions 90 days, photos 365."""
    return {days: patrol(days, school, volunteer) for days in (400, 366, 364, 91)} | {
        89: patrol(89, school, volunteer2)
    }


def run(capture, job, **options) -> int:
    """Run a job as cron would: the files go when each batch commits."""
    with capture(execute=True):
        return job(NOW, **options)


def files(media: Path) -> set[str]:
    return {str(path.relative_to(media)) for path in media.rglob("*.jpg")}


@pytest.mark.parametrize("batch_size", [500, 1, 2])
def test_old_positions_and_photos_go_and_duties_incidents_and_figures_stay(
    patrols, media, django_capture_on_commit_callbacks, batch_size
) -> None:
    figures = compute(Scope())
    kept = {
        photo.image.name
        for photo in Photo.objects.filter(uploaded_at__gte=NOW - dt.timedelta(days=365))
    }
    incidents = list(Incident.objects.values_list("pk", "latitude", "longitude").order_by("pk"))

    erased = run(
        django_capture_on_commit_callbacks, retention.erase_old_positions, batch_size=batch_size
    )
    deleted = run(
        django_capture_on_commit_callbacks, retention.delete_expired_photos, batch_size=batch_size
    )

    assert (erased, deleted) == (4, 2)
    for days, duty in patrols.items():
        before = (duty.status, duty.minutes, duty.checked_in_at, duty.distance_m)
        duty.refresh_from_db()
        assert (duty.status, duty.minutes, duty.checked_in_at, duty.distance_m) == before
        if days > 90:
            assert duty.latitude is None and duty.longitude is None, days
        else:
            assert duty.latitude is not None and duty.longitude is not None, days
    assert Photo.objects.count() == 3 and files(media) == kept and len(kept) == 3
    assert list(Incident.objects.values_list("pk", "latitude", "longitude").order_by("pk")) == (
        incidents
    )
    assert compute(Scope()) == figures and figures["duties"] == 5 and figures["accidents"] == 5


def test_each_job_leaves_one_trace_of_counts_and_a_second_run_does_nothing(
    patrols, django_capture_on_commit_callbacks
) -> None:
    run(django_capture_on_commit_callbacks, retention.erase_old_positions, batch_size=3)
    run(django_capture_on_commit_callbacks, retention.delete_expired_photos, batch_size=3)
    positions = AuditEntry.objects.get(action="patrols.duty.positions_erased")
    photos = AuditEntry.objects.get(action="patrols.photo.deleted")
    assert positions.data == {"count": 4, "before": "2026-03-17"} and positions.actor is None
    assert photos.data == {"count": 2, "before": "2025-06-15"} and not photos.target_type
    entries = AuditEntry.objects.count()

    assert run(django_capture_on_commit_callbacks, retention.erase_old_positions) == 0
    assert run(django_capture_on_commit_callbacks, retention.delete_expired_photos) == 0
    assert AuditEntry.objects.count() == entries


def test_a_dry_run_counts_and_changes_nothing(
    patrols, media, django_capture_on_commit_callbacks
) -> None:
    entries = AuditEntry.objects.count()
    assert run(django_capture_on_commit_callbacks, retention.erase_old_positions, dry_run=True) == 4
    assert (
        run(django_capture_on_commit_callbacks, retention.delete_expired_photos, dry_run=True) == 2
    )
    assert not Duty.objects.filter(latitude__isnull=True).exists()
    assert Photo.objects.count() == 5 and len(files(media)) == 5
    assert AuditEntry.objects.count() == entries


def test_the_settings_decide(
    settings, school, volunteer, django_capture_on_commit_callbacks
) -> None:
    duty = patrol(20, school, volunteer)
    assert run(django_capture_on_commit_callbacks, retention.erase_old_positions) == 0
    assert run(django_capture_on_commit_callbacks, retention.delete_expired_photos) == 0
    settings.YIXUN_RETAIN_POSITIONS_DAYS = 19
    settings.YIXUN_RETAIN_PATROL_PHOTOS_DAYS = 19
    assert run(django_capture_on_commit_callbacks, retention.erase_old_positions) == 1
    assert run(django_capture_on_commit_callbacks, retention.delete_expired_photos) == 1
    duty.refresh_from_db()
    assert duty.latitude is None and duty.status == Duty.Status.DONE


def test_a_photo_file_already_gone_is_no_error(
    school, volunteer, media, django_capture_on_commit_callbacks
) -> None:
    patrol(400, school, volunteer)
    (media / Photo.objects.get().image.name).unlink()
    assert run(django_capture_on_commit_callbacks, retention.delete_expired_photos) == 1
    assert not Photo.objects.exists()
