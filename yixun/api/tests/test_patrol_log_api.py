"""The patrol log through the API: inspections, incidents and photos with idempotency keys, the
leader's summary and approval, corrections; and that nobody reads another squad's log."""

import datetime as dt
import io
import uuid
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ExifTags, Image

from yixun.accounts.models import User
from yixun.patrols.models import Incident, Inspection, LogCorrection, PatrolLog, Photo
from yixun.patrols.services import logs
from yixun.patrols.tests import conftest as patrols
from yixun.patrols.tests.conftest import make_shift, put_on
from yixun.places.models import Site
from yixun.shifts.models import Claim, Shift

# The duty tests' county: a town with a school and a market about 1.1 km apart.
town, school, market = patrols.town, patrols.school, patrols.market


@pytest.fixture
def shift(school: Site) -> Shift:
    return make_shift(school)


@pytest.fixture
def claim(shift: Shift, volunteer: User) -> Claim:
    return put_on(shift, volunteer)


def write(client: Client, path: str, data: Any = None, *, key: Any = None, **extra: Any) -> Any:
    return client.post(
        path,
        {} if data is None else data,
        content_type="application/json",
        headers={"Idempotency-Key": str(key or uuid.uuid4())},
        **extra,
    )


def upload(client: Client, shift: Shift, content: bytes, *, key: Any = None, **fields: Any) -> Any:
    return client.post(
        f"/api/v1/shifts/{shift.pk}/photos",
        {"file": SimpleUploadedFile("photo.jpg", content, "image/jpeg"), **fields},
        headers={"Idempotency-Key": str(key or uuid.uuid4())},
    )


def in_english(user: User) -> User:
    """Messages come in the signed-in person's own language; English makes them plain to test."""
    user.language = "en"
    user.save(update_fields=["language"])
    return user


def jpeg_with_gps() -> bytes:
    """A small photo as a phone takes it: EXIF with the camera and where it was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 0.0, 0.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (114.0, 0.0, 0.0)
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG", exif=exif)
    return out.getvalue()


INSPECTION = {"finding": "hazard", "note": "校门口护栏松动"}
INCIDENT = {"kind": "accident", "account": "两车剐蹭，协商解决", "people_helped": 2}


def test_an_inspection_sent_twice_is_recorded_once(login, volunteer, claim, school) -> None:
    client, key = login(volunteer), uuid.uuid4()
    path = f"/api/v1/shifts/{claim.shift_id}/inspections"
    first = write(client, path, {"site": school.pk, **INSPECTION}, key=key)
    assert first.status_code == 201
    body = first.json()
    assert (body["site"], body["finding"], body["recorded_by"]) == ("城关一中", "hazard", "张志愿")
    again = write(client, path, {"site": school.pk, **INSPECTION}, key=key)
    assert (again.status_code, again.json()) == (201, body)
    assert Inspection.objects.count() == 1


def test_an_incident_sent_twice_is_recorded_once(login, volunteer, claim) -> None:
    client, key = login(volunteer), uuid.uuid4()
    path = f"/api/v1/shifts/{claim.shift_id}/incidents"
    data = {**INCIDENT, "latitude": 31.0001, "longitude": 114.0002}
    first = write(client, path, data, key=key)
    assert first.status_code == 201
    assert first.json()["kind"] == "accident" and first.json()["people_helped"] == 2
    again = write(client, path, data, key=key)
    assert (again.status_code, again.json()) == (201, first.json())
    assert Incident.objects.count() == 1


def test_a_record_without_an_idempotency_key_is_refused(login, volunteer, claim, school) -> None:
    response = login(volunteer).post(
        f"/api/v1/shifts/{claim.shift_id}/inspections",
        {"site": school.pk, **INSPECTION},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["code"]) == (400, "idempotency_key")
    assert not Inspection.objects.exists()


def test_a_count_out_of_reason_is_refused_with_its_name(login, volunteer, claim) -> None:
    response = write(
        login(in_english(volunteer)),
        f"/api/v1/shifts/{claim.shift_id}/incidents",
        {**INCIDENT, "people_helped": 1_000_000},
    )
    # The document states the bound (maximum 100000): bad input, named by its field.
    assert response.status_code == 422
    assert [error["location"][-1] for error in response.json()["errors"]] == ["people_helped"]


def test_only_the_shift_records_its_log(
    login, public, volunteer2, other_volunteer, police, claim, school
) -> None:
    for kind, data in (("inspections", {"site": school.pk, **INSPECTION}), ("incidents", INCIDENT)):
        path = f"/api/v1/shifts/{claim.shift_id}/{kind}"
        for user in (volunteer2, other_volunteer, police):
            assert write(login(user), path, data).status_code == 403
        assert write(public, path, data).status_code == 401
    assert not Inspection.objects.exists() and not Incident.objects.exists()


def test_a_photo_comes_back_without_its_exif(login, volunteer, claim) -> None:
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    client, key = login(volunteer), uuid.uuid4()
    first = upload(client, claim.shift, original, key=key, caption="护栏")
    assert first.status_code == 201
    photo = first.json()
    assert (photo["width"], photo["height"], photo["caption"]) == (64, 48, "护栏")
    again = upload(client, claim.shift, original, key=key, caption="护栏")
    assert (again.status_code, again.json()) == (201, photo)
    assert Photo.objects.count() == 1

    served = client.get(photo["url"])
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    stored = Image.open(io.BytesIO(b"".join(served.streaming_content)))
    assert stored.format == "JPEG" and stored.size == (64, 48)
    assert not stored.getexif() and "exif" not in stored.info


def test_a_file_that_is_not_a_photo_is_refused_with_a_message(login, volunteer, claim) -> None:
    response = upload(login(in_english(volunteer)), claim.shift, b"%PDF-1.4 not a photo")
    assert response.status_code == 400
    assert response.json() == {
        "code": "not_image",
        "message": "This file is not a photo Yixun can read.",
    }
    assert not Photo.objects.exists()


def test_a_photo_goes_with_a_record_of_its_own_shift(
    login, volunteer, other_volunteer, claim, school, market
) -> None:
    mine = logs.record_inspection(
        shift=claim.shift, actor=volunteer, site=school, finding="normal"
    )[0]
    attached = upload(login(volunteer), claim.shift, jpeg_with_gps(), inspection=mine.pk)
    assert (attached.status_code, attached.json()["inspection_id"]) == (201, mine.pk)

    theirs_shift = make_shift(market)
    put_on(theirs_shift, other_volunteer)
    theirs = logs.record_inspection(
        shift=theirs_shift, actor=other_volunteer, site=market, finding="normal"
    )[0]
    refused = upload(login(volunteer), claim.shift, jpeg_with_gps(), inspection=theirs.pk)
    assert refused.status_code == 404  # another squad's record: not even seen
    assert Photo.objects.count() == 1


def test_a_photo_is_for_those_who_may_read_its_log(
    login, public, volunteer, volunteer2, other_volunteer, police, claim
) -> None:
    url = upload(login(volunteer), claim.shift, jpeg_with_gps()).json()["url"]
    assert login(police).get(url).status_code == 200
    for user in (volunteer2, other_volunteer):
        assert login(user).get(url).status_code == 404
    assert public.get(url).status_code == 401
    assert public.post(f"/api/v1/shifts/{claim.shift_id}/photos").status_code == 401


def test_the_log_shows_what_the_patrol_did(
    login, volunteer, claim, school, django_assert_max_num_queries
) -> None:
    client = login(volunteer)
    write(client, f"/api/v1/shifts/{claim.shift_id}/inspections", {"site": school.pk, **INSPECTION})
    write(client, f"/api/v1/shifts/{claim.shift_id}/incidents", INCIDENT)
    upload(client, claim.shift, jpeg_with_gps())
    with django_assert_max_num_queries(12):
        log = client.get(f"/api/v1/shifts/{claim.shift_id}/log").json()
    assert log["status"] == "open" and log["summary"] == ""
    assert [row["note"] for row in log["inspections"]] == ["校门口护栏松动"]
    assert [row["account"] for row in log["incidents"]] == ["两车剐蹭，协商解决"]
    assert log["photos"][0]["url"] == f"/api/v1/photos/{Photo.objects.get().pk}"


def test_another_squads_log_is_not_found(
    login, public, volunteer, volunteer2, other_volunteer, police, leader, claim, school
) -> None:
    logs.record_inspection(shift=claim.shift, actor=volunteer, site=school, finding="normal")
    path = f"/api/v1/shifts/{claim.shift_id}/log"
    for user in (other_volunteer, volunteer2):
        assert login(user).get(path).status_code == 404
    assert public.get(path).status_code == 401
    for user in (volunteer, leader, police):  # police liaisons read every log
        assert login(user).get(path).status_code == 200


def test_the_leader_summarises_and_approves(login, leader, volunteer, claim) -> None:
    path = f"/api/v1/shifts/{claim.shift_id}/log"
    client = login(leader)
    early = write(client, f"{path}/approve")
    assert (early.status_code, early.json()["code"]) == (409, "summary_needed")
    summary = {"summary": "夜巡正常，发现隐患一处"}
    written = client.put(
        path,
        summary,
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert written.status_code == 200 and written.json()["summary"] == summary["summary"]
    with time_machine.travel(claim.shift.ends_at + dt.timedelta(minutes=1)):
        approved = write(client, f"{path}/approve")
        assert approved.status_code == 200 and approved.json()["status"] == "approved"
        assert write(client, f"{path}/approve").json() == approved.json()  # again: no change


def test_only_the_leader_summarises_and_approves(
    login, public, volunteer, other_volunteer, police, claim, school
) -> None:
    logs.record_inspection(shift=claim.shift, actor=volunteer, site=school, finding="normal")
    path = f"/api/v1/shifts/{claim.shift_id}/log"

    def put(client: Client) -> int:
        key = {"Idempotency-Key": str(uuid.uuid4())}
        return client.put(
            path, {"summary": "x"}, content_type="application/json", headers=key
        ).status_code

    assert (put(login(volunteer)), put(login(police))) == (403, 403)  # they read it, may not write
    assert put(login(other_volunteer)) == 404
    assert put(public) == 401
    for user in (volunteer, police):
        assert write(login(user), f"{path}/approve").status_code == 403
    assert write(login(other_volunteer), f"{path}/approve").status_code == 404
    log = PatrolLog.objects.get()
    assert (log.summary, log.status) == ("", PatrolLog.Status.OPEN)


def test_a_log_nobody_began_is_not_found_but_by_its_leader(
    login, leader, volunteer, police, shift
) -> None:
    path = f"/api/v1/shifts/{shift.pk}/log"
    for user in (volunteer, police):
        assert login(user).get(path).status_code == 404
    assert write(login(volunteer), f"{path}/approve").status_code == 404
    # A police liaison approves no log: refused before anything is looked up.
    assert write(login(police), f"{path}/approve").status_code == 403
    assert not PatrolLog.objects.exists()
    put_on(shift, volunteer)
    began = login(leader).put(
        path,
        {"summary": "开始"},
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert (began.status_code, began.json()["summary"]) == (200, "开始")


def test_the_recorder_corrects_before_approval(login, volunteer, claim, school, market) -> None:
    inspection = logs.record_inspection(
        shift=claim.shift, actor=volunteer, site=school, finding="normal"
    )[0]
    path = f"/api/v1/inspections/{inspection.pk}/corrections"
    elsewhere = write(login(volunteer), path, {"changes": {"site": market.pk}})
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (409, "wrong_site")
    changed = write(login(volunteer), path, {"changes": {"finding": "hazard"}})
    assert changed.status_code == 200
    assert (changed.json()["finding"], changed.json()["site"]) == ("hazard", "城关一中")
    assert not LogCorrection.objects.exists()  # before approval a change is not a correction
    for bad in ({"finding": None}, {"recorded_by": 1}):
        assert write(login(volunteer), path, {"changes": bad}).status_code == 422


def test_after_approval_the_leader_corrects_and_the_original_is_kept(
    login, leader, volunteer, claim
) -> None:
    incident = logs.record_incident(
        shift=claim.shift, actor=volunteer, kind="accident", account="剐蹭", people_helped=1
    )[0]
    log = PatrolLog.objects.get()
    logs.write_summary(log=log, actor=leader, summary="正常")
    with time_machine.travel(claim.shift.ends_at + dt.timedelta(minutes=1)):
        logs.approve_log(log=log, actor=leader)
    path = f"/api/v1/incidents/{incident.pk}/corrections"
    assert (
        write(login(volunteer), path, {"changes": {"people_helped": 3}, "reason": "x"}).status_code
        == 403
    )
    unexplained = write(login(leader), path, {"changes": {"people_helped": 3}})
    assert (unexplained.status_code, unexplained.json()["code"]) == (409, "reason_needed")
    corrected = write(login(leader), path, {"changes": {"people_helped": 3}, "reason": "漏记两人"})
    assert corrected.status_code == 200 and corrected.json()["people_helped"] == 3
    shown = login(volunteer).get(f"/api/v1/shifts/{claim.shift_id}/log").json()["corrections"]
    assert [(c["before"], c["after"], c["reason"], c["corrected_by"]) for c in shown] == [
        ({"people_helped": 1}, {"people_helped": 3}, "漏记两人", "王队长")
    ]


def test_another_squad_cannot_correct_a_record(
    login, public, volunteer, other_volunteer, volunteer2, police, claim, school
) -> None:
    inspection = logs.record_inspection(
        shift=claim.shift, actor=volunteer, site=school, finding="normal"
    )[0]
    incident = logs.record_incident(shift=claim.shift, actor=volunteer, kind="other", account="x")[
        0
    ]
    for path, change in (
        (f"/api/v1/inspections/{inspection.pk}/corrections", {"note": "改"}),
        (f"/api/v1/incidents/{incident.pk}/corrections", {"account": "改"}),
    ):
        for user in (other_volunteer, volunteer2):
            assert write(login(user), path, {"changes": change}).status_code == 404
        assert write(login(police), path, {"changes": change}).status_code == 403
        assert write(public, path, {"changes": change}).status_code == 401
    inspection.refresh_from_db()
    incident.refresh_from_db()
    assert (inspection.note, incident.account) == ("", "x")
