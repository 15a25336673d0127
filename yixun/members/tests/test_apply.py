"""Joining as a member of the public: the form at /join/, the status page, and the API."""

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from yixun.accounts.models import Attempt
from yixun.audit.models import AuditEntry
from yixun.lib import crypto, resident_id
from yixun.lib.resident_id import check_character
from yixun.members.models import Application, RulebookVersion
from yixun.members.services import applications, rulebook

PHONE = "13800138001"


@pytest.fixture
def notice(officer) -> RulebookVersion:
    document = rulebook.create_document(kind="membership_notice", title="入会须知", actor=officer)
    return rulebook.publish_version(
        document=document, body="# 入会须知\n\n服从安排，注意安全。", change_note="", actor=officer
    )


def id_number(born: dt.date, sequence: str = "123", region: str = "420923") -> str:
    first17 = f"{region}{born:%Y%m%d}{sequence}"
    return first17 + check_character(first17)


def years_ago(years: int, today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def born_aged(years: int) -> dt.date:
    """A birth date that makes a person `years` old today, well clear of their birthday."""
    return years_ago(years) - dt.timedelta(days=30)


def form_data(notice: RulebookVersion, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id_number": id_number(born_aged(30)),
        "name": "孙立新",
        "phone": PHONE,
        "occupation": "teacher",
        "availability": ["weekday_evening", "weekend_daytime"],
        "skills": ["driving", "first_aid"],
        "driving_class": "C1",
        "languages": "",
        "emergency_name": "孙母",
        "emergency_phone": "13800138099",
        "guardian_name": "",
        "guardian_phone": "",
        "accept_notice": "on",
        "notice_version": notice.pk,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def api_payload(notice: RulebookVersion, **changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "name": "孙立新",
        "phone": PHONE,
        "id_number": id_number(born_aged(30)),
        "notice_version_id": notice.pk,
        "occupation": "teacher",
        "skills": [{"skill": "driving", "detail": "C1"}],
        "availability": ["weekday_evening"],
        "emergency_name": "孙母",
        "emergency_phone": "13800138099",
    }
    payload.update(changes)
    return payload


def api_apply(client: Client, payload: dict[str, Any], **extra: Any) -> Any:
    return client.post("/api/v1/applications", payload, content_type="application/json", **extra)


def non_field_errors(response: Any) -> list[str]:
    return list(response.context["form"].non_field_errors())


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 12.0), 3: "E", 4: (114.0, 18.0, 5.0)}
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (0, 90, 200)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


# The page.


def test_without_a_published_notice_applications_are_closed(public, db) -> None:
    response = public.get("/join/")
    assert response.status_code == 200
    assert response.templates[0].name == "members/apply_closed.html"
    assert b'data-testid="apply-form"' not in response.content


def test_without_a_published_notice_a_posted_application_is_not_taken(public, officer) -> None:
    document = rulebook.create_document(kind="membership_notice", title="入会须知", actor=officer)
    response = public.post("/join/", {"id_number": id_number(born_aged(30)), "name": "孙立新"})
    assert response.templates[0].name == "members/apply_closed.html"
    assert not Application.objects.exists()
    assert not document.versions.exists()


def test_the_form_shows_the_current_notice_and_carries_its_version(public, notice) -> None:
    response = public.get("/join/")
    assert response.status_code == 200
    assert b'data-testid="apply-form"' in response.content
    assert b'data-testid="notice"' in response.content
    assert response.context["form"]["notice_version"].value() == notice.pk


def test_a_valid_application_is_recorded_and_the_applicant_told_how_to_follow_it(
    public, notice, outbox
) -> None:
    born = born_aged(30)
    number = id_number(born, sequence="124")
    response = public.post("/join/", form_data(notice, id_number=number))

    assert response.status_code == 200
    assert response.templates[0].name == "members/apply_sent.html"
    assert b'data-testid="status-link"' in response.content
    application = Application.objects.get()
    assert application.status == Application.Status.PENDING
    assert application.name == "孙立新"
    assert application.phone == "+8613800138001"
    assert application.emergency_phone == "+8613800138099"
    assert application.notice_version == notice
    assert application.occupation == "teacher"
    assert application.availability == ["weekday_evening", "weekend_daytime"]
    assert sorted(application.skills, key=lambda s: s["skill"]) == [
        {"skill": "driving", "detail": "C1"},
        {"skill": "first_aid", "detail": ""},
    ]
    # The number is stored encrypted, found by its digest, shown masked.
    assert application.id_number_encrypted != number
    assert number not in application.id_number_encrypted
    assert application.decrypted_id_number() == number
    assert application.id_number_digest == crypto.blind_index(number)
    assert application.id_number_masked == f"420923********{number[-4:]}"
    # Birth date and sex come from the number (sequence 124: even, a woman).
    assert application.birth_date == born
    assert application.sex == "F"
    assert application.guardian_name == ""
    assert application.guardian_consent_at is None

    token = response.context["token"]
    assert applications.application_for_token(token) == application
    [message] = outbox
    assert message.to == "+8613800138001"
    assert f"/join/{token}/" in message.body
    assert AuditEntry.objects.filter(
        action="members.application.submitted",
        target_id=str(application.pk),
        actor__isnull=True,
    ).exists()


def test_the_link_in_the_message_opens_the_application(public, notice, outbox) -> None:
    public.post("/join/", form_data(notice))
    match = re.search(r"(/join/[\w-]+/)", outbox[-1].body)
    assert match, outbox[-1].body
    response = Client().get(match.group(1))
    assert response.status_code == 200
    assert response.context["application"] == Application.objects.get()


REQUIRED = ["id_number", "name", "phone", "occupation", "availability", "emergency_name",
            "emergency_phone", "accept_notice"]  # fmt: skip


def test_each_required_field_left_out_is_named_and_nothing_is_saved(public, notice, outbox) -> None:
    response = public.post("/join/", form_data(notice, **dict.fromkeys(REQUIRED)))
    assert response.status_code == 400
    assert set(response.context["form"].errors) == set(REQUIRED)
    assert not Application.objects.exists()
    assert outbox == []


def test_an_invalid_id_number_is_refused_on_its_field(public, notice) -> None:
    number = id_number(born_aged(30))
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    response = public.post("/join/", form_data(notice, id_number=wrong))
    assert response.status_code == 400
    assert response.context["form"].errors.as_data()["id_number"][0].code == "invalid_id_number"
    assert not Application.objects.exists()


def test_an_id_number_typed_with_full_width_digits_and_lower_case_x_is_accepted(
    public, notice
) -> None:
    born = born_aged(30)
    number = next(n for n in (id_number(born, f"{i:03d}") for i in range(1000)) if n.endswith("X"))
    typed = "".join(chr(ord(c) + 0xFEE0) for c in number[:17]) + "x"
    response = public.post("/join/", form_data(notice, id_number=typed))
    assert response.status_code == 200
    assert Application.objects.get().decrypted_id_number() == number


def test_someone_under_16_is_refused_on_the_id_number_and_nothing_is_saved(
    public, notice, outbox
) -> None:
    response = public.post(
        "/join/",
        form_data(
            notice,
            id_number=id_number(born_aged(15)),
            guardian_name="孙父",
            guardian_phone="13800138077",
            guardian_consent="on",
        ),
    )
    assert response.status_code == 400
    assert response.context["form"].errors.as_data()["id_number"][0].code == "too_young"
    assert not Application.objects.exists()
    assert outbox == []


def test_someone_whose_16th_birthday_is_today_may_apply(public, notice) -> None:
    number = id_number(years_ago(16))
    response = public.post(
        "/join/",
        form_data(
            notice,
            id_number=number,
            guardian_name="孙父",
            guardian_phone="13800138077",
            guardian_consent="on",
        ),
    )
    assert response.status_code == 200, response.context["form"].errors
    assert Application.objects.get().age == 16


def test_the_id_check_warns_a_15_year_old_at_once(public, notice) -> None:
    response = public.post("/join/check-id/", {"id_number": id_number(born_aged(15))})
    assert response.status_code == 200
    assert b'data-testid="id-problem"' in response.content
    assert b'data-testid="id-minor"' not in response.content


def test_the_id_check_asks_a_17_year_old_for_their_guardian(public, notice) -> None:
    response = public.post("/join/check-id/", {"id_number": id_number(born_aged(17))})
    assert b'data-testid="id-minor"' in response.content
    assert b'data-testid="id-problem"' not in response.content


def test_the_id_check_has_nothing_to_say_to_an_adult(public, notice) -> None:
    response = public.post("/join/check-id/", {"id_number": id_number(born_aged(30))})
    assert response.status_code == 200
    assert b"data-testid" not in response.content


def test_the_id_check_points_out_a_mistyped_number(public, notice) -> None:
    number = id_number(born_aged(30))
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    response = public.post("/join/check-id/", {"id_number": wrong})
    assert b'data-testid="id-problem"' in response.content


def test_the_id_check_takes_only_post(public, notice) -> None:
    assert public.get("/join/check-id/").status_code == 405


@pytest.mark.parametrize("age", [16, 17])
def test_a_minor_needs_a_guardian_name_phone_and_consent(public, notice, outbox, age) -> None:
    response = public.post("/join/", form_data(notice, id_number=id_number(born_aged(age))))
    assert response.status_code == 400
    assert {"guardian_name", "guardian_phone", "guardian_consent"} <= set(
        response.context["form"].errors
    )
    assert not Application.objects.exists()
    assert outbox == []


@pytest.mark.parametrize("age", [16, 17])
def test_a_minor_with_a_guardians_consent_may_apply(public, notice, age) -> None:
    response = public.post(
        "/join/",
        form_data(
            notice,
            id_number=id_number(born_aged(age)),
            guardian_name="孙父",
            guardian_phone="138 0013 8077",
            guardian_consent="on",
        ),
    )
    assert response.status_code == 200, response.context["form"].errors
    application = Application.objects.get()
    assert application.guardian_name == "孙父"
    assert application.guardian_phone == "+8613800138077"
    assert application.guardian_consent_at is not None
    assert application.is_minor


def test_a_minor_without_consent_is_refused_even_with_name_and_phone(public, notice) -> None:
    response = public.post(
        "/join/",
        form_data(
            notice,
            id_number=id_number(born_aged(17)),
            guardian_name="孙父",
            guardian_phone="13800138077",
        ),
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["guardian_consent"]
    assert not Application.objects.exists()


def test_an_adults_guardian_details_are_not_kept(public, notice) -> None:
    public.post(
        "/join/",
        form_data(
            notice, guardian_name="孙父", guardian_phone="13800138077", guardian_consent="on"
        ),
    )
    application = Application.objects.get()
    assert application.guardian_name == application.guardian_phone == ""
    assert application.guardian_consent_at is None


def test_an_application_against_an_older_notice_is_refused(public, notice, officer, outbox) -> None:
    rulebook.publish_version(
        document=notice.document, body="# 入会须知\n\n第二版。", change_note="第二版", actor=officer
    )
    response = public.post("/join/", form_data(notice, notice_version=notice.pk))
    assert response.status_code == 400
    assert non_field_errors(response)
    assert not Application.objects.exists()
    assert outbox == []


def test_an_application_against_a_notice_that_does_not_exist_is_refused(public, notice) -> None:
    response = public.post("/join/", form_data(notice, notice_version=notice.pk + 1000))
    assert response.status_code == 400
    assert not Application.objects.exists()


def test_the_same_id_number_cannot_apply_twice(public, notice, outbox) -> None:
    number = id_number(born_aged(30))
    assert public.post("/join/", form_data(notice, id_number=number)).status_code == 200
    again = public.post("/join/", form_data(notice, id_number=number, phone="13800138002"))
    assert again.status_code == 400
    assert non_field_errors(again)
    assert Application.objects.count() == 1
    assert len(outbox) == 1

    by_api = api_apply(public, api_payload(notice, id_number=number, phone="13800138003"))
    assert by_api.status_code == 409
    assert by_api.json()["code"] == "already_applied"
    assert Application.objects.count() == 1


def test_a_rejected_applicant_may_apply_again(public, notice, officer) -> None:
    number = id_number(born_aged(30))
    public.post("/join/", form_data(notice, id_number=number))
    applications.reject_application(
        application=Application.objects.get(), actor=officer, reason="名额已满"
    )
    assert public.post("/join/", form_data(notice, id_number=number)).status_code == 200
    assert Application.objects.filter(status="pending").count() == 1


def test_the_id_number_of_an_existing_member_is_refused(public, notice, volunteer) -> None:
    number = id_number(born_aged(40), sequence="333")
    member = volunteer.membership
    member.set_id_number(resident_id.parse(number))
    member.save()

    page = public.post("/join/", form_data(notice, id_number=number))
    assert page.status_code == 400
    assert non_field_errors(page)
    by_api = api_apply(public, api_payload(notice, id_number=number))
    assert by_api.status_code == 409
    assert by_api.json()["code"] == "already_member"
    assert not Application.objects.exists()


def test_a_mobile_number_that_already_has_an_account_is_refused(public, notice, volunteer) -> None:
    page = public.post("/join/", form_data(notice, phone="139 0000 0002"))
    assert page.status_code == 400
    assert non_field_errors(page)
    by_api = api_apply(public, api_payload(notice, phone="+86 13900000002"))
    assert by_api.status_code == 409
    assert by_api.json()["code"] == "phone_taken"
    assert not Application.objects.exists()


def test_the_sixth_application_from_one_address_within_an_hour_is_throttled(
    public, notice, outbox
) -> None:
    for i in range(applications.APPLICATIONS_PER_ADDRESS):
        sent = public.post(
            "/join/",
            form_data(
                notice, id_number=id_number(born_aged(30), f"{i:03d}"), phone=f"138001381{i:02d}"
            ),
        )
        assert sent.status_code == 200, sent.context["form"].errors
    sixth = form_data(notice, id_number=id_number(born_aged(30), "900"), phone="13800138200")
    page = public.post("/join/", sixth)
    assert page.status_code == 400
    assert non_field_errors(page)
    by_api = api_apply(
        public, api_payload(notice, id_number=sixth["id_number"], phone="13800138200")
    )
    # A rate limit, like every other in the API: 429, and the same request may pass later.
    assert (by_api.status_code, by_api.json()["code"]) == (429, "throttled")
    assert Application.objects.count() == applications.APPLICATIONS_PER_ADDRESS
    assert len(outbox) == applications.APPLICATIONS_PER_ADDRESS
    # Another network is not held back by this one.
    elsewhere = public.post("/join/", sixth, REMOTE_ADDR="203.0.113.9")
    assert elsewhere.status_code == 200


def test_the_throttle_lets_an_address_apply_again_after_an_hour(public, notice) -> None:
    for i in range(applications.APPLICATIONS_PER_ADDRESS):
        public.post(
            "/join/",
            form_data(
                notice, id_number=id_number(born_aged(30), f"{i:03d}"), phone=f"138001381{i:02d}"
            ),
        )
    Attempt.objects.update(at=timezone.now() - dt.timedelta(hours=1, minutes=1))
    later = public.post(
        "/join/",
        form_data(notice, id_number=id_number(born_aged(30), "900"), phone="13800138200"),
    )
    assert later.status_code == 200


def test_a_photo_is_kept_without_its_exif(public, notice, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    photo = SimpleUploadedFile("me.jpg", jpeg_with_gps(), content_type="image/jpeg")
    assert Image.open(io.BytesIO(jpeg_with_gps())).getexif()  # the upload does carry EXIF

    response = public.post("/join/", form_data(notice, photo=photo))

    assert response.status_code == 200, response.context["form"].errors
    application = Application.objects.get()
    assert application.photo
    with application.photo.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG"
        assert image.size == (320, 240)
        assert not image.getexif()
        assert "exif" not in image.info


def test_a_file_that_is_not_a_photo_is_refused(public, notice, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("me.jpg", b"not a photo at all" * 20, content_type="image/jpeg")
    response = public.post("/join/", form_data(notice, photo=fake))
    assert response.status_code == 400
    assert "photo" in response.context["form"].errors
    assert not Application.objects.exists()


# Following the application.


@pytest.fixture
def applied(public, notice) -> tuple[Application, str]:
    response = public.post("/join/", form_data(notice))
    return Application.objects.get(), response.context["token"]


def test_the_status_page_shows_the_status_without_an_answer_form_while_pending(
    public, applied
) -> None:
    _, token = applied
    response = public.get(f"/join/{token}/")
    assert response.status_code == 200
    assert b'data-testid="application-status"' in response.content
    assert response.context["application"].status == "pending"
    assert b'name="answer"' not in response.content


def test_the_status_page_offers_an_answer_form_when_the_officers_ask(
    public, applied, officer
) -> None:
    application, token = applied
    applications.ask_applicant(application=application, actor=officer, question="请补充照片")
    response = public.get(f"/join/{token}/")
    assert response.context["application"].status == "needs_info"
    assert b'name="answer"' in response.content


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_the_status_page_has_no_answer_form_once_decided(
    public, applied, officer, squad, decision
) -> None:
    application, token = applied
    applications.ask_applicant(application=application, actor=officer, question="请补充照片")
    applications.answer_question(application=application, answer="已补充")
    if decision == "approve":
        applications.approve_application(application=application, actor=officer, squad=squad)
    else:
        applications.reject_application(application=application, actor=officer, reason="不符合")
    response = public.get(f"/join/{token}/")
    assert response.status_code == 200
    assert b'name="answer"' not in response.content


def test_an_unknown_token_is_not_found(public, applied) -> None:
    _, token = applied
    assert public.get("/join/not-a-real-token-at-all/").status_code == 404
    assert public.get(f"/join/{token[:-1]}/").status_code == 404
    assert public.post("/join/not-a-real-token-at-all/", {"answer": "x"}).status_code == 404


# The API.


def test_the_api_takes_an_application_without_an_account(public, notice, outbox) -> None:
    number = id_number(born_aged(30), sequence="125")
    response = api_apply(public, api_payload(notice, id_number=number))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending"
    application = Application.objects.get()
    assert body["id"] == application.pk
    assert applications.application_for_token(body["tracking_token"]) == application
    assert application.decrypted_id_number() == number
    assert application.sex == "M"
    assert application.skills == [{"skill": "driving", "detail": "C1"}]
    assert [m.to for m in outbox] == ["+8613800138001"]
    assert f"/join/{body['tracking_token']}/" in outbox[0].body


def test_the_api_refuses_a_bad_id_number_with_a_code(public, notice) -> None:
    number = id_number(born_aged(30))
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    response = api_apply(public, api_payload(notice, id_number=wrong))
    # The document names the format (cn-resident-id): a wrong check character is bad input.
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert [error["location"][-1] for error in body["errors"]] == ["id_number"]
    assert not Application.objects.exists()


def test_the_api_refuses_someone_under_16(public, notice) -> None:
    response = api_apply(public, api_payload(notice, id_number=id_number(born_aged(15))))
    # Their age on the day decides (the same number may apply next year): a conflict.
    assert response.status_code == 409
    assert response.json()["code"] == "too_young"
    assert response.json()["message"]
    assert not Application.objects.exists()


def test_the_api_asks_a_minor_for_a_guardian(public, notice) -> None:
    minor = id_number(born_aged(17))
    refused = api_apply(public, api_payload(notice, id_number=minor))
    assert refused.status_code == 409
    assert refused.json()["code"] == "guardian_needed"
    accepted = api_apply(
        public,
        api_payload(
            notice,
            id_number=minor,
            guardian_name="孙父",
            guardian_phone="13800138077",
            guardian_consent=True,
        ),
    )
    assert accepted.status_code == 201, accepted.json()
    assert Application.objects.get().guardian_phone == "+8613800138077"


def test_the_api_refuses_an_older_notice(public, notice, officer) -> None:
    rulebook.publish_version(document=notice.document, body="第二版", change_note="", actor=officer)
    response = api_apply(public, api_payload(notice))
    assert response.status_code == 409
    assert response.json()["code"] == "notice_changed"
    assert not Application.objects.exists()


def test_the_api_refuses_a_mobile_number_that_is_not_one(public, notice) -> None:
    response = api_apply(public, api_payload(notice, phone="12345"))
    # The document names the format (cn-mobile): bad input, named by its field.
    assert response.status_code == 422
    assert [error["location"][-1] for error in response.json()["errors"]] == ["phone"]


def test_the_api_names_missing_fields(public, notice) -> None:
    payload = api_payload(notice)
    del payload["emergency_name"]
    response = api_apply(public, payload)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert not Application.objects.exists()


@pytest.mark.parametrize("field", ["name", "emergency_name"])
def test_the_api_refuses_a_name_of_only_spaces_as_the_form_does(public, notice, field) -> None:
    page = public.post("/join/", form_data(notice, **{field: "   "}))
    assert page.status_code == 400
    assert field in page.context["form"].errors

    response = api_apply(public, api_payload(notice, **{field: "   "}))
    assert response.status_code in (400, 422), response.json()
    assert not Application.objects.exists()


def test_refused_attempts_count_against_the_hourly_limit(public, notice, volunteer) -> None:
    """Asking whether an ID number is a member's cannot go on: refusals count too."""
    member = volunteer.membership
    number = id_number(born_aged(40), sequence="777")
    member.set_id_number(resident_id.parse(number))
    member.save()
    codes = []
    for attempt in range(7):
        response = Client().post(
            "/api/v1/applications",
            api_payload(notice, id_number=number, phone=f"1371234{attempt:04d}"),
            content_type="application/json",
            REMOTE_ADDR="203.0.113.50",
        )
        codes.append(response.json()["code"])
    limit = applications.APPLICATIONS_PER_ADDRESS
    assert codes[:limit] == ["already_member"] * limit
    assert codes[limit] == "throttled"
