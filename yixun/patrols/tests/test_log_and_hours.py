"""The patrol log (records, idempotent resends, approval, corrections that keep the original),
hours (capped, rounded, corrected by the leader), and closing what was left open."""

import datetime as dt
import io
import uuid

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from yixun.audit.models import AuditEntry
from yixun.patrols.models import Duty, DutyRules, Incident, Inspection, LogCorrection
from yixun.patrols.services import duty as duties
from yixun.patrols.services import logs
from yixun.patrols.services.errors import Conflict, DutyRefused, NotAllowed
from yixun.patrols.tests.conftest import make_shift, put_on


def inspect(shift, user, site, **extra):
    return logs.record_inspection(
        shift=shift, actor=user, site=site, finding="hazard", note="井盖缺失", **extra
    )


def test_a_resend_with_the_same_key_makes_one_record_and_the_same_answer(
    claim, volunteer, school
) -> None:
    key = uuid.uuid4()
    first, created = inspect(claim.shift, volunteer, school, key=key)
    again, created_again = inspect(claim.shift, volunteer, school, key=key)
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk and Inspection.objects.count() == 1
    logs.record_incident(
        shift=claim.shift,
        actor=volunteer,
        kind="rescue",
        account="女孩腿卡在铁椅里",
        people_helped=1,
        key=key,
    )
    assert Incident.objects.count() == 1  # keys are per table: a rescue is not the inspection


def test_the_time_it_happened_is_kept_not_the_time_it_arrived(claim, volunteer, school) -> None:
    happened = timezone.now() - dt.timedelta(minutes=4)
    inspection, _ = inspect(claim.shift, volunteer, school, occurred_at=happened)
    assert inspection.occurred_at == happened and inspection.recorded_at > happened
    with pytest.raises(DutyRefused, match="outside"):
        inspect(
            claim.shift,
            volunteer,
            school,
            occurred_at=timezone.now() - dt.timedelta(days=3),
            key=uuid.uuid4(),
        )


def test_counts_are_numbers_in_range(claim, volunteer) -> None:
    with pytest.raises(DutyRefused) as refusal:
        logs.record_incident(
            shift=claim.shift, actor=volunteer, kind="publicity", account="发传单", leaflets=10**7
        )
    assert refusal.value.code == "invalid_count"
    incident, _ = logs.record_incident(
        shift=claim.shift,
        actor=volunteer,
        kind="publicity",
        account="发传单",
        leaflets=200,
        people_reached=150,
    )
    assert (incident.leaflets, incident.people_reached) == (200, 150)


def test_only_people_on_the_shift_or_its_leader_write_its_log(
    claim, other_volunteer, volunteer2, leader, school
) -> None:
    with pytest.raises(NotAllowed):
        inspect(claim.shift, other_volunteer, school)
    with pytest.raises(NotAllowed):
        inspect(claim.shift, volunteer2, school)  # same squad, but not on this shift
    inspection, _ = inspect(claim.shift, leader, school)  # leads a member on it
    assert inspection.recorded_by.user == leader


def test_approval_freezes_the_log_and_a_correction_keeps_the_original(
    claim, volunteer, leader, school
) -> None:
    inspection, _ = inspect(claim.shift, volunteer, school)
    log = logs.log_of(claim.shift)
    with pytest.raises(DutyRefused, match="summary"):
        logs.approve_log(log=log, actor=leader)
    with pytest.raises(NotAllowed):
        logs.write_summary(log=log, actor=volunteer, summary="x")
    logs.write_summary(log=log, actor=leader, summary="巡查一处，发现隐患")
    with pytest.raises(DutyRefused, match="over"):
        logs.approve_log(log=log, actor=leader)
    with time_machine.travel(claim.shift.ends_at + dt.timedelta(minutes=1)):
        logs.approve_log(log=log, actor=leader)
    with pytest.raises(DutyRefused, match="approved"):
        inspect(claim.shift, volunteer, school, key=uuid.uuid4())
    with pytest.raises(NotAllowed):
        logs.correct_entry(
            record=inspection, actor=volunteer, changes={"finding": "normal"}, reason="记错了"
        )
    with pytest.raises(DutyRefused, match="why"):
        logs.correct_entry(
            record=inspection, actor=leader, changes={"finding": "advice"}, reason=""
        )
    logs.correct_entry(
        record=inspection, actor=leader, changes={"finding": "advice"}, reason="已当场整改"
    )
    inspection.refresh_from_db()
    assert inspection.finding == "advice"
    correction = LogCorrection.objects.get()
    assert correction.before == {"finding": "hazard"} and correction.after == {"finding": "advice"}
    entry = AuditEntry.objects.get(action="patrols.inspection.corrected")
    assert entry.data["before"] == {"finding": "hazard"}


def test_photos_lose_their_exif_and_a_non_image_is_refused(claim, volunteer) -> None:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 12.0), 3: "E", 4: (114.0, 18.0, 5.0)}
    out = io.BytesIO()
    Image.new("RGB", (2400, 1800), (0, 90, 200)).save(out, "JPEG", exif=exif.tobytes())
    upload = SimpleUploadedFile("x.jpg", out.getvalue(), content_type="image/jpeg")
    photo, _ = logs.add_photo(shift=claim.shift, actor=volunteer, upload=upload)
    with Image.open(photo.image.path) as saved:
        assert not saved.getexif() and max(saved.size) == 1600
    with pytest.raises(ValidationError):
        logs.add_photo(
            shift=claim.shift, actor=volunteer, upload=SimpleUploadedFile("a.jpg", b"not a photo")
        )


def test_hours_are_capped_at_the_shift_plus_grace_and_rounded() -> None:
    rules = DutyRules(grace_minutes=30, round_to_minutes=15, rounding="nearest")
    start = timezone.now()
    assert (
        rules.service_minutes(start=start, end=start + dt.timedelta(minutes=97), shift_minutes=180)
        == 90
    )
    assert (
        rules.service_minutes(start=start, end=start + dt.timedelta(minutes=98), shift_minutes=180)
        == 105
    )
    assert (
        rules.service_minutes(start=start, end=start + dt.timedelta(hours=9), shift_minutes=180)
        == 210
    )
    rules.rounding = "down"
    assert (
        rules.service_minutes(start=start, end=start + dt.timedelta(minutes=104), shift_minutes=180)
        == 90
    )
    rules.rounding = "up"
    assert (
        rules.service_minutes(start=start, end=start + dt.timedelta(minutes=91), shift_minutes=180)
        == 105
    )


def test_check_out_credits_the_hours(school, volunteer) -> None:
    claim = put_on(make_shift(school, started_minutes_ago=70), volunteer)
    duty, _ = duties.check_in(
        claim=claim,
        actor=volunteer,
        method="qr",
        token=school.qr_token,
        at=timezone.now() - dt.timedelta(minutes=62),
    )
    duty = duties.check_out(duty=duty, actor=volunteer)
    assert duty.status == Duty.Status.DONE and duty.minutes == 60
    assert duties.check_out(duty=duty, actor=volunteer).minutes == 60  # twice changes nothing


def test_a_correction_is_asked_and_the_leader_decides(
    school, volunteer, leader, volunteer2
) -> None:
    claim = put_on(make_shift(school, started_minutes_ago=70), volunteer)
    duty, _ = duties.check_in(claim=claim, actor=volunteer, method="qr", token=school.qr_token)
    duty = duties.check_out(duty=duty, actor=volunteer)
    correction = duties.ask_correction(duty=duty, actor=volunteer, minutes=120, reason="忘了签到")
    with pytest.raises(Conflict):
        duties.ask_correction(duty=duty, actor=volunteer, minutes=100, reason="again")
    with pytest.raises(NotAllowed):
        duties.decide_correction(correction=correction, actor=volunteer2, approve=True)
    duties.decide_correction(correction=correction, actor=leader, approve=True, answer="属实")
    duty.refresh_from_db()
    correction.refresh_from_db()
    assert duty.minutes == 120 and correction.minutes_before < 120
    with pytest.raises(DutyRefused, match="0 and 210"):
        duties.ask_correction(duty=duty, actor=volunteer, minutes=600, reason="x")


def test_what_is_left_open_is_closed_and_flagged_and_no_shows_recorded(
    school, volunteer, volunteer2, deferred_tasks, django_capture_on_commit_callbacks
) -> None:
    shift = make_shift(school, started_minutes_ago=30, hours=1)
    claim = put_on(shift, volunteer)
    put_on(shift, volunteer2)
    with django_capture_on_commit_callbacks(execute=True):
        duties.check_in(claim=claim, actor=volunteer, method="qr", token=school.qr_token)
    later = shift.ends_at + dt.timedelta(minutes=31)
    assert deferred_tasks.run_deferred(until=later - dt.timedelta(minutes=2)) == []
    with time_machine.travel(later):
        [result] = deferred_tasks.run_deferred(until=later)  # the task queued at check-in
    assert result == (1, 1)
    flagged = Duty.objects.get(member__user=volunteer)
    assert flagged.is_flagged and flagged.checked_out_at == shift.ends_at and flagged.minutes == 30
    assert Duty.objects.get(member__user=volunteer2).status == Duty.Status.NO_SHOW
    assert duties.close_overdue(now=later) == (0, 0)


def test_the_command_closes_what_is_due(school, volunteer) -> None:
    from django.core.management import call_command

    shift = make_shift(school, started_minutes_ago=200, hours=1)
    put_on(shift, volunteer)
    out = io.StringIO()
    call_command("close_duties", stdout=out)
    assert "recorded 1 no-shows" in out.getvalue()
    assert Duty.objects.get().status == Duty.Status.NO_SHOW


def test_an_officer_without_membership_resends_safely_and_a_repeated_correction_is_no_change(
    claim, officer, school
) -> None:
    key = uuid.uuid4()
    first, _ = inspect(claim.shift, officer, school, key=key)
    again, created = inspect(claim.shift, officer, school, key=key)
    assert first.pk == again.pk and not created and first.recorded_by is None
    log = logs.log_of(claim.shift)
    logs.write_summary(log=log, actor=officer, summary="ok")
    with time_machine.travel(claim.shift.ends_at + dt.timedelta(minutes=1)):
        logs.approve_log(log=log, actor=officer)
    for _ in range(2):
        logs.correct_entry(
            record=first, actor=officer, changes={"finding": "normal"}, reason="复核"
        )
    assert LogCorrection.objects.count() == 1
