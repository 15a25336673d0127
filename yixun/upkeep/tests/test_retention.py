"""Retention as cron runs it: `manage.py apply_retention` and `apply_all` run every job at one
frozen moment, remove what is due and nothing else, leave the figures as they were, and say
what they did; a dry run only counts. The audit trail's own retention is tested here too."""

import datetime as dt
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from PIL import Image

from yixun.audit import retention
from yixun.audit import services as audit
from yixun.audit.models import AuditEntry
from yixun.patrols.models import Duty, Photo
from yixun.patrols.services import duty as duties
from yixun.patrols.services import logs
from yixun.patrols.tests.conftest import make_shift, put_on
from yixun.places.models import Area, Site
from yixun.stats.figures import Scope, compute
from yixun.tips.models import Tip, TipPhoto
from yixun.tips.services import intake, triage
from yixun.upkeep.retention import apply_all

NOW = dt.datetime(2026, 6, 15, 4, tzinfo=dt.UTC)  # noon in Shanghai
DUE = {
    "tip_contacts": 1,
    "tip_photos": 1,
    "patrol_photos": 1,
    "duty_positions": 2,
    "live_events": 12,  # the pushes of the county's changes more than a day old
    "audit_entries": 1,
}
NOTHING = dict.fromkeys(DUE, 0)


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def at(days_ago: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days_ago)


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 120, 60)).save(out, "JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def school(db: None) -> Site:
    town = Area.objects.create(name="城关镇", level="town")
    return Site.objects.create(
        name="城关一中",
        kind="school",
        area=town,
        latitude=Decimal("31.000000"),
        longitude=Decimal("114.000000"),
    )


def patrol(days_ago: float, school: Site, user) -> Duty:
    with time_machine.travel(at(days_ago), tick=False):
        shift = make_shift(school, started_minutes_ago=30, hours=3)
        duty, _ = duties.check_in(
            claim=put_on(shift, user), actor=user, method="gps", point=(31.0001, 114.0001)
        )
        incident, _ = logs.record_incident(
            shift=shift, actor=user, kind="rescue", account="救助老人", people_helped=2
        )
        logs.add_photo(shift=shift, actor=user, upload=jpeg(), incident=incident)
    with time_machine.travel(at(days_ago) + dt.timedelta(hours=2), tick=False):
        return duties.check_out(duty=duty, actor=user)


def tip(days_ago: float, n: int, moderator) -> Tip:
    """A tip with a contact and a photo, closed as soon as it came in."""
    with time_machine.travel(at(days_ago), tick=False):
        sent = intake.submit_tip(
            report=intake.Report(
                category="public_order",
                text=f"第{n}号：城关镇菜市场门口有人打架",
                contact_name="李先生",
                contact_phone="13912345678",
            ),
            address=f"10.0.2.{n}",
            photos=[jpeg()],
        )
        triage.take(tip=sent, actor=moderator)
        return triage.close(tip=sent, actor=moderator, reason="已处理")


@pytest.fixture
def county(school, volunteer, volunteer2, moderator) -> None:
    """Something of each kind just past its time, and just within it, with the defaults."""
    patrol(366, school, volunteer)  # its photo and position are due
    patrol(91, school, volunteer2)  # its position is due
    patrol(89, school, volunteer)  # nothing is due
    tip(181, 1, moderator)  # its contact and photo are due
    tip(179, 2, moderator)
    for days_ago in (3 * 365 + 1, 3 * 365 - 1):
        with time_machine.travel(at(days_ago), tick=False):
            audit.record(actor=None, action="demo.association.built")


def state(media: Path) -> dict[str, object]:
    """What retention may change, and the figures, which it may not."""
    return {
        "positions": sorted(Duty.objects.filter(latitude__isnull=False).values_list("pk")),
        "contacts": sorted(Tip.objects.exclude(contact_name="").values_list("pk")),
        "tip_photos": sorted(TipPhoto.objects.values_list("pk")),
        "patrol_photos": sorted(Photo.objects.values_list("pk")),
        "files": sorted(str(path.relative_to(media)) for path in media.rglob("*.jpg")),
        "audit": AuditEntry.objects.count(),
        "duties": Duty.objects.count(),
        "tips": Tip.objects.count(),
        "figures": compute(Scope()),
    }


@pytest.mark.parametrize("batch_size", [retention.BATCH, 1])
def test_every_job_runs_once_removes_what_is_due_and_the_figures_stay(
    county, media, django_capture_on_commit_callbacks, batch_size
) -> None:
    before, last = state(media), AuditEntry.objects.latest("pk").pk
    with django_capture_on_commit_callbacks(execute=True):
        assert apply_all(batch_size=batch_size) == DUE
    after = state(media)

    assert after["figures"] == before["figures"]
    assert before["figures"]["duties"] == 3 and before["figures"]["people_helped"] == 6
    assert (after["duties"], after["tips"]) == (before["duties"], before["tips"])
    assert len(after["positions"]) == 1 and len(after["contacts"]) == 1
    assert len(after["tip_photos"]) == 1 and len(after["patrol_photos"]) == 2
    assert len(after["files"]) == 3
    # One old entry went; one trace came for each job that removed something.
    assert after["audit"] == before["audit"] - 1 + 5
    traces = AuditEntry.objects.filter(pk__gt=last).values_list("action", "data")
    assert dict(traces) == {
        "tips.contact.erased": {"tips": 1},
        "tips.tip_photo.deleted": {"count": 1, "before": "2025-12-17"},
        "patrols.photo.deleted": {"count": 1, "before": "2025-06-15"},
        "patrols.duty.positions_erased": {"count": 2, "before": "2026-03-17"},
        "audit.audit_entry.deleted": {"count": 1, "before": "2023-06-16"},
    }

    with django_capture_on_commit_callbacks(execute=True):
        assert apply_all() == NOTHING
    assert state(media) == after


def test_the_audit_trail_keeps_three_years_by_default_and_its_setting_decides(
    settings, db, django_capture_on_commit_callbacks
) -> None:
    for days_ago in (1096, 1094, 200, 170):
        with time_machine.travel(at(days_ago), tick=False):
            audit.record(actor=None, action="demo.association.built")
    assert retention.delete_old_entries(NOW) == 1
    assert AuditEntry.objects.filter(action="demo.association.built").count() == 3
    trace = AuditEntry.objects.get(action="audit.audit_entry.deleted")
    assert trace.data == {"count": 1, "before": "2023-06-16"} and trace.actor is None
    assert retention.delete_old_entries(NOW) == 0

    settings.YIXUN_RETAIN_AUDIT_DAYS = 180
    assert retention.delete_old_entries(NOW, batch_size=1) == 2
    assert list(
        AuditEntry.objects.filter(action="demo.association.built").values_list("at", flat=True)
    ) == [at(170)]
    assert AuditEntry.objects.filter(action="audit.audit_entry.deleted").count() == 2


def test_the_command_prints_what_it_removed(
    county, media, django_capture_on_commit_callbacks
) -> None:
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("apply_retention", stdout=out)
    assert out.getvalue().splitlines() == [
        "tips' contact details erased: 1",
        "tip photos deleted: 1",
        "patrol photos deleted: 1",
        "check-in positions erased: 2",
        "live events older than a day deleted: 12",
        "audit entries deleted: 1",
    ]
    assert len(list(media.rglob("*.jpg"))) == 3


def test_a_dry_run_counts_what_is_due_and_changes_nothing(
    county, media, django_capture_on_commit_callbacks
) -> None:
    before = state(media)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("apply_retention", "--dry-run", stdout=out)
    assert out.getvalue().splitlines() == [
        "Dry run: nothing was changed.",
        "tips' contact details to erase: 1",
        "tip photos to delete: 1",
        "patrol photos to delete: 1",
        "check-in positions to erase: 2",
        "live events to delete: 12",
        "audit entries to delete: 1",
    ]
    assert state(media) == before
    assert apply_all(dry_run=True) == DUE


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("YIXUN_RETAIN_POSITIONS_DAYS", "0", "YIXUN_RETAIN_POSITIONS_DAYS must be at least 1"),
        ("YIXUN_RETAIN_TIP_PHOTOS_DAYS", "-5", "YIXUN_RETAIN_TIP_PHOTOS_DAYS must be at least 1"),
        ("YIXUN_RETAIN_AUDIT_DAYS", "90", "YIXUN_RETAIN_AUDIT_DAYS must be at least 180"),
    ],
)
def test_a_retention_of_nothing_stops_start_up(
    tmp_path: Path, variable: str, value: str, message: str
) -> None:
    environment = os.environ | {"YIXUN_DATA_DIR": str(tmp_path), variable: value}
    started = subprocess.run(
        [sys.executable, "-c", "import yixun.settings"],
        env=environment,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert started.returncode != 0 and message in started.stderr


@pytest.mark.django_db(transaction=True)
def test_files_go_when_their_rows_deletion_commits(county, media) -> None:
    """As cron runs it, outside any transaction: each batch commits, then its files go."""
    assert apply_all(batch_size=1) == DUE
    assert len(list(media.rglob("*.jpg"))) == 3
    names = set(TipPhoto.objects.values_list("image", flat=True)) | set(
        Photo.objects.values_list("image", flat=True)
    )
    assert {str(path.relative_to(media)) for path in media.rglob("*.jpg")} == names


def test_a_deletion_rolled_back_keeps_its_files(
    county, media, django_capture_on_commit_callbacks
) -> None:
    before = state(media)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        apply_all()
        raise RuntimeError("the run was stopped")
    assert state(media) == before
