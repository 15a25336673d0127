"""Bad input on the API (issue 10): a body too large, NUL characters, JSON of the wrong shape or
type, a role that may never call an operation; and the document stating each rule the server
applies, so that a caller who follows it is never refused for a rule it could not see."""

import datetime as dt
import json
import re
import uuid
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import translation
from hypothesis import given, settings

from yixun.accounts.models import AccessToken
from yixun.api import errors, schemas
from yixun.api.tests import formats
from yixun.lib import phone as phones
from yixun.lib import resident_id
from yixun.members.models import Application, Member, RulebookVersion, Squad
from yixun.members.services import rulebook
from yixun.members.services.roster import id_number_message
from yixun.patrols.models import Duty, HoursCorrection
from yixun.places.models import Area
from yixun.shifts.models import Claim, Shift
from yixun.tips.models import Tip


def document() -> dict[str, Any]:
    return Client().get("/api/v1/openapi.json").json()


def component(name: str) -> dict[str, Any]:
    return document()["components"]["schemas"][name]


def post(client: Client, path: str, data: Any, **extra: Any) -> Any:
    body = data if isinstance(data, str) else json.dumps(data)
    return client.post(path, body, content_type="application/json", **extra)


def keyed() -> dict[str, str]:
    return {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}


# A body too large.


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_over_the_size_limit_is_413_in_json_not_a_server_error(login, volunteer) -> None:
    response = post(login(volunteer), "/api/v1/me/tokens", {"name": "x" * 2000})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert response.json()["message"]
    assert not AccessToken.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_form_over_the_size_limit_is_413_too(public, db) -> None:
    response = public.post(
        "/api/v1/open311/v2/requests.json",
        {"service_code": "public_order", "description": "打架" * 1000, "address_string": "菜市场"},
    )
    assert response.status_code == 413
    assert response.json()[0]["code"] == 413
    assert not Tip.objects.exists()


def test_the_document_declares_413_wherever_a_body_is_taken(db) -> None:
    for path, methods in document()["paths"].items():
        for method, operation in methods.items():
            takes_body = "requestBody" in operation
            assert ("413" in operation["responses"]) == takes_body, (method, path)


# NUL characters: refused wherever they are, before anything reads them.


def test_a_nul_in_a_body_is_refused_and_nothing_is_stored(login, officer) -> None:
    response = post(login(officer), "/api/v1/squads", {"name": "城关\u0000三分队"})
    assert response.status_code == 400
    assert response.json()["code"] == "nul_character"
    assert not Squad.objects.filter(name__startswith="城关").exists()


def test_a_nul_in_a_key_of_a_body_is_refused(login, officer) -> None:
    response = post(login(officer), "/api/v1/squads", {"name": "城关三分队", "x\u0000": 1})
    assert (response.status_code, response.json()["code"]) == (400, "nul_character")


def test_a_nul_in_the_query_is_refused(login, officer) -> None:
    response = login(officer).get("/api/v1/members?q=%00")
    assert (response.status_code, response.json()["code"]) == (400, "nul_character")


def test_a_nul_in_the_path_is_refused(public, db) -> None:
    response = public.get("/api/v1/tips/track/AB%00CD")
    assert (response.status_code, response.json()["code"]) == (400, "nul_character")


def test_a_nul_in_a_form_field_is_refused(public, db) -> None:
    response = public.post(
        "/api/v1/open311/v2/requests.json",
        {
            "service_code": "public_order",
            "description": "城关镇菜市场门口有人打架，\u0000已经有人受伤",
            "address_string": "城关镇菜市场北门",
        },
    )
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400  # in GeoReport v2's own shape, for its apps
    assert not Tip.objects.exists()


def test_the_document_says_no_text_may_hold_a_nul(db) -> None:
    """Every string a request carries says it holds no NUL (`not` a pattern matching one), or
    has a format or an enum that cannot hold one."""
    doc = document()
    components = doc["components"]["schemas"]
    strings: list[dict[str, Any]] = []

    def walk(schema: Any) -> None:
        if isinstance(schema, dict):
            if "$ref" in schema:
                walk(components[schema["$ref"].rsplit("/", 1)[-1]])
                return
            if schema.get("type") == "string":
                strings.append(schema)
            for value in schema.values():
                walk(value)
        elif isinstance(schema, list):
            for value in schema:
                walk(value)

    for methods in doc["paths"].values():
        for operation in methods.values():
            walk(operation.get("parameters", []))
            walk(operation.get("requestBody", {}))
    assert strings
    for schema in strings:
        if not {"format", "enum", "const"} & set(schema):
            assert schema["not"] == {"pattern": "\\u0000"}, schema
            assert re.search(schema["not"]["pattern"], "a\x00b")


# JSON of the wrong shape or type.


@pytest.mark.parametrize("body", ["[]", '"details"', "[1, 2]", "true"])
def test_a_body_that_is_no_object_is_refused(login, volunteer, body) -> None:
    member = Member.objects.get(user=volunteer)
    response = login(volunteer).patch(
        f"/api/v1/members/{member.pk}", body, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


@pytest.fixture
def done_duty(volunteer) -> Duty:
    member = Member.objects.get(user=volunteer)
    starts = dt.datetime(2026, 3, 1, 18, tzinfo=dt.UTC)
    area = Area.objects.create(name="城关镇", level="town")
    shift = Shift.objects.create(
        starts_at=starts, ends_at=starts + dt.timedelta(hours=3), area=area
    )
    claim = Claim.objects.create(shift=shift, member=member, claimed_by=volunteer)
    return Duty.objects.create(
        claim=claim,
        shift=shift,
        member=member,
        squad=member.squad,
        status=Duty.Status.DONE,
        checked_in_at=starts,
        check_in_method="qr",
        checked_out_at=starts + dt.timedelta(minutes=120),
        minutes=120,
    )


@pytest.mark.parametrize("minutes", [True, False, "90", 90.5, None])
def test_a_number_is_a_number_in_a_body(login, volunteer, done_duty, minutes) -> None:
    response = post(
        login(volunteer),
        f"/api/v1/duties/{done_duty.pk}/hours-corrections",
        {"minutes": minutes, "reason": "签退晚了"},
        **keyed(),
    )
    assert response.status_code == 422
    assert [error["location"][-1] for error in response.json()["errors"]] == ["minutes"]
    assert not HoursCorrection.objects.exists()


def test_a_whole_number_may_be_written_with_a_point_as_json_allows(
    login, volunteer, done_duty
) -> None:
    response = post(
        login(volunteer),
        f"/api/v1/duties/{done_duty.pk}/hours-corrections",
        {"minutes": 150.0, "reason": "签退晚了"},
        **keyed(),
    )
    assert response.status_code == 201
    assert HoursCorrection.objects.get().minutes_asked == 150


def test_a_body_field_nobody_asked_for_is_refused(login, officer) -> None:
    response = post(login(officer), "/api/v1/squads", {"name": "城关三分队", "leader": 1})
    assert response.status_code == 422
    assert not Squad.objects.filter(name="城关三分队").exists()


def test_query_and_path_parameters_still_parse_from_text(login, officer, volunteer) -> None:
    client = login(officer)
    assert client.get("/api/v1/police-patrols?days=3&start=2026-05-01").status_code == 200
    member = Member.objects.get(user=volunteer)
    assert client.get(f"/api/v1/members/{member.pk}").status_code == 200
    assert client.get("/api/v1/members?insured=true&page=1").status_code == 200
    assert client.get("/api/v1/police-patrols?days=true").status_code == 422


# A role that may never call the operation: 403 before the body is read.


@pytest.mark.parametrize("body", ["{}", "[]", '{"insurer": 5}'])
def test_a_role_that_may_never_call_is_refused_before_its_body_is_read(
    login, volunteer, public, body
) -> None:
    response = login(volunteer).post(
        "/api/v1/insurance/policies", body, content_type="application/json"
    )
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    anonymous = public.post("/api/v1/insurance/policies", body, content_type="application/json")
    assert anonymous.status_code == 401


def test_a_police_liaison_is_refused_a_check_in_before_its_body_is_read(login, police) -> None:
    response = post(login(police), "/api/v1/duties/check-in", {"shift": "x"}, **keyed())
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")


# The document states the rules: formats, days, pairs, decimals, non-blank text.


def test_the_named_formats_are_in_the_document(db) -> None:
    application = component("ApplicationIn")["properties"]
    assert application["id_number"]["format"] == schemas.CN_RESIDENT_ID
    assert application["phone"]["format"] == schemas.CN_MOBILE
    assert application["emergency_phone"]["format"] == schemas.CN_MOBILE


@settings(max_examples=50, deadline=None)
@given(number=formats.resident_ids(), mobile=formats.valid_mobiles())
def test_the_format_generators_make_what_the_server_takes(number: str, mobile: str) -> None:
    assert resident_id.parse(number).number == number
    assert re.fullmatch(schemas.MOBILE_PATTERN, mobile)
    assert phones.normalize_mobile(mobile)


def test_a_wrong_check_character_is_refused_by_its_format(public, db) -> None:
    first17 = "42092319900101123"
    wrong = first17 + ("0" if resident_id.check_character(first17) != "0" else "1")
    response = post(public, "/api/v1/applications", {"id_number": wrong})
    fields = [error["location"][-1] for error in response.json()["errors"]]
    assert response.status_code == 422
    assert "id_number" in fields


def test_days_and_times_state_their_years(login, officer) -> None:
    policy = component("PolicyIn")["properties"]
    assert policy["starts_on"]["pattern"] == schemas.DAY_PATTERN
    assert not re.search(schemas.DAY_PATTERN, "1999-12-31")
    assert not re.search(schemas.DAY_PATTERN, "2100-01-01")
    moment = component("ManualCheckInIn")["properties"]["at"]["anyOf"][0]
    assert moment["pattern"] == schemas.MOMENT_PATTERN
    assert not re.search(schemas.MOMENT_PATTERN, "2026-01-01T08:00:00")  # no offset
    sent = {"insurer": "人保", "number": "P-1", "days": 365, "sum_insured": "100000"}
    for day in ("1999-12-31", "2100-01-01", "0"):
        response = post(login(officer), "/api/v1/insurance/policies", {**sent, "starts_on": day})
        assert response.status_code == 422, day


def test_a_position_is_both_coordinates_or_neither_in_the_document_and_the_server(
    login, volunteer
) -> None:
    check_in = component("CheckInIn")
    assert {"anyOf": [{"required": ["latitude", "longitude"]}, {"properties": {"latitude": False, "longitude": False}}]} in check_in["allOf"]  # fmt: skip
    assert check_in["properties"]["latitude"]["type"] == "number"  # never null
    client = login(volunteer)
    for position in ({"latitude": 31.0}, {"longitude": 114.0}, {"latitude": None}):
        response = post(
            client, "/api/v1/duties/check-in", {"shift": 1, "method": "gps", **position}, **keyed()
        )
        assert response.status_code == 422, position


def test_money_is_a_decimal_string(login, officer) -> None:
    assert component("PolicyIn")["properties"]["sum_insured"]["pattern"] == schemas.MONEY_PATTERN
    sent = {"insurer": "人保", "number": "P-1", "starts_on": "2026-01-01", "days": 365}
    for amount in (150000.0, 150000, "0.00", "1.005", "-5"):
        response = post(
            login(officer), "/api/v1/insurance/policies", {**sent, "sum_insured": amount}
        )
        assert response.status_code == 422, amount
    taken = post(login(officer), "/api/v1/insurance/policies", {**sent, "sum_insured": "150000.5"})
    assert taken.status_code == 201
    assert taken.json()["sum_insured"] in ("150000.50", "150000.5")


def test_text_that_must_say_something_states_it_in_its_pattern(login, officer, volunteer) -> None:
    reveal = component("RevealIn")["properties"]["reason"]
    assert re.search(reveal["pattern"], "核对 保险")
    # Three characters that are not spaces, however they are spaced out:
    assert not re.search(reveal["pattern"], "  核 对 \u3000")
    member = Member.objects.get(user=volunteer)
    response = post(
        login(officer), f"/api/v1/members/{member.pk}/reveal-id-number", {"reason": " 核 对 "}
    )
    assert response.status_code == 422


def test_a_photo_is_declared_as_an_image(db) -> None:
    operation = document()["paths"]["/api/v1/shifts/{shift_id}/photos"]["post"]
    form = operation["requestBody"]["content"]["multipart/form-data"]
    assert "image/jpeg" in form["encoding"]["file"]["contentType"]
    assert formats.image("JPEG").startswith(b"\xff\xd8")


def test_no_two_models_of_one_name_say_different_things(db) -> None:
    """The document names a model by its class name, so two models of one name become one,
    with one of their rules: a caller would be refused for the other's."""
    from pydantic import BaseModel

    from yixun.api.api import api

    seen: dict[str, dict[str, Any]] = {}

    def note(model: Any) -> None:
        if isinstance(model, type) and issubclass(model, BaseModel):
            schema = model.model_json_schema()
            assert seen.setdefault(model.__name__, schema) == schema, model.__name__
            for field in model.model_fields.values():
                for inner in (*getattr(field.annotation, "__args__", ()), field.annotation):
                    note(inner)

    for router in api._get_bound_routers():
        for view in router.path_operations.values():
            for operation in view.operations:
                for params in operation.models:
                    for field in params.model_fields.values():
                        note(field.annotation)
    assert "RejectionIn" in seen


# JSON nested deeper than anything the API takes: Python's parser, and any walk over what it
# parsed, run out of stack long before the body runs out of bytes.


def nested(depth: int, inner: str = "") -> str:
    return "[" * depth + inner + "]" * depth


@pytest.mark.parametrize("depth", [900, 5000])
def test_json_nested_deeper_than_any_body_is_unreadable_not_a_server_error(
    login, volunteer, depth
) -> None:
    response = post(login(volunteer), "/api/v1/me/tokens", nested(depth))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "bad_request"
    assert not AccessToken.objects.exists()


@pytest.mark.parametrize("depth", [900, 5000])
def test_deep_json_in_a_field_is_unreadable_too(login, volunteer, depth) -> None:
    response = post(login(volunteer), "/api/v1/me/tokens", f'{{"name": {nested(depth)}}}')
    assert (response.status_code, response.json()["code"]) == (400, "bad_request")


def test_deep_json_sent_to_open311_is_answered_in_its_own_shape(public, db) -> None:
    response = post(public, "/api/v1/open311/v2/requests.json", nested(5000))
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400
    assert not Tip.objects.exists()


def test_a_nul_a_few_levels_down_is_still_found(login, volunteer) -> None:
    response = post(login(volunteer), "/api/v1/me/tokens", nested(30, '"x\\u0000"'))
    assert (response.status_code, response.json()["code"]) == (400, "nul_character")


# Messages in the caller's language: the refusals made before any operation, and the rules a
# body's fields keep together, come out of the catalogue like every other message.


def in_chinese(msgid: str) -> str:
    with translation.override("zh-hans"):
        chinese = translation.gettext(msgid)
    assert chinese != msgid, f"no Chinese for {msgid!r} in the catalogue"
    return chinese


def test_a_nul_is_refused_in_the_callers_language(public, db) -> None:
    response = post(
        public, "/api/v1/applications", {"name": "孙\u0000立新"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    with translation.override("en"):
        msgid = str(errors.NUL_CHARACTER[1])
    assert response.json()["message"] == in_chinese(msgid)


def field_messages(response: Any) -> list[str]:
    assert response.status_code == 422, response.content
    return [error["message"] for error in response.json()["errors"]]


BOTH_OR_NEITHER = "Give both latitude and longitude, or neither."


def test_half_a_position_is_refused_in_the_callers_language(public, db) -> None:
    tip = post(
        public,
        "/api/v1/tips",
        {"category": "public_order", "text": "菜市场门口有人打架", "latitude": 31.0},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        **keyed(),
    )
    assert field_messages(tip) == [in_chinese(BOTH_OR_NEITHER)]
    assert not Tip.objects.exists()


def test_half_a_position_at_check_in_is_refused_in_the_callers_language(login, volunteer) -> None:
    volunteer.language = "zh-hans"
    volunteer.save(update_fields=["language"])
    response = post(
        login(volunteer),
        "/api/v1/duties/check-in",
        {"shift": 1, "method": "gps", "longitude": 114.0},
        **keyed(),
    )
    assert field_messages(response) == [in_chinese(BOTH_OR_NEITHER)]


def test_a_shift_without_a_place_is_refused_in_the_callers_language(login, officer) -> None:
    officer.language = "zh-hans"
    officer.save(update_fields=["language"])
    shift = {
        "starts_at": "2026-12-05T20:00:00+08:00",
        "minutes": 120,
        "place_type": "area",
        "place_id": 1,
        "min_people": 0,
        "spare_places": 0,
    }
    response = post(login(officer), "/api/v1/shifts", shift)
    assert field_messages(response) == [
        in_chinese("Give the shift at least one place: min_people or spare_places.")
    ]


# Text that must say something: refused with a message a person can read, not a regex.


def test_blank_text_is_refused_with_a_message_not_a_pattern(login, officer, volunteer) -> None:
    officer.language = "zh-hans"
    officer.save(update_fields=["language"])
    member = Member.objects.get(user=volunteer)
    client = login(officer)
    blank = post(client, f"/api/v1/members/{member.pk}/reveal-id-number", {"reason": " \u3000"})
    short = post(client, f"/api/v1/members/{member.pk}/reveal-id-number", {"reason": " 核 对 "})
    with translation.override("zh-hans"):
        four = translation.gettext("Write at least %(count)d characters that are not spaces.") % {
            "count": 4
        }
    assert field_messages(blank) == field_messages(short) == [four]
    assert "pattern" not in four
    squad = post(client, "/api/v1/squads", {"name": "\u3000 "})
    assert field_messages(squad) == [
        in_chinese("Write at least one character that is not a space.")
    ]


def test_blank_text_in_a_correction_is_refused_with_a_message(login, volunteer) -> None:
    volunteer.language = "en"
    volunteer.save(update_fields=["language"])
    response = post(
        login(volunteer),
        "/api/v1/incidents/1/corrections",
        {"changes": {"account": " \n "}},
        **keyed(),
    )
    assert field_messages(response) == ["Write at least one character that is not a space."]


def test_the_document_still_states_each_such_rule_as_a_pattern(db) -> None:
    """Checked in Python, stated for generators: the pattern stays in the document."""
    assert component("SquadIn")["properties"]["name"]["pattern"] == schemas.words(1)
    assert component("RevealIn")["properties"]["reason"]["pattern"] == schemas.words(4)
    account = component("IncidentChangesIn")["properties"]["account"]
    assert (account["pattern"], account["maxLength"]) == (schemas.words(1), 2000)
    assert "default" not in account


def test_text_with_enough_words_is_taken_as_sent(login, officer, volunteer) -> None:
    member = Member.objects.get(user=volunteer)
    response = post(
        login(officer), f"/api/v1/members/{member.pk}/reveal-id-number", {"reason": " 核对 保险 "}
    )
    assert response.status_code == 200


# A resident ID number: what the parser takes (full-width digits, from a Chinese input method)
# is taken, and what it refuses is refused with its reason.


@pytest.fixture
def notice(officer) -> RulebookVersion:
    document = rulebook.create_document(kind="membership_notice", title="入会须知", actor=officer)
    return rulebook.publish_version(
        document=document, body="# 入会须知\n\n服从安排。", change_note="", actor=officer
    )


def application(notice: RulebookVersion, id_number: str) -> dict[str, Any]:
    return {
        "name": "孙立新",
        "phone": "13800138001",
        "id_number": id_number,
        "notice_version_id": notice.pk,
        "occupation": "teacher",
        "emergency_name": "孙母",
        "emergency_phone": "13800138099",
    }


def test_an_id_number_in_full_width_digits_is_taken(public, notice) -> None:
    first17 = "42092319900101123"
    number = first17 + resident_id.check_character(first17)
    full_width = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    response = post(public, "/api/v1/applications", application(notice, full_width))
    assert response.status_code == 201, response.content
    assert Application.objects.get().id_number_masked == resident_id.mask(number)


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("4209231990010112", "shape"),
        ("42092319900101123Y", "shape"),
        ("990923199001011234", "region"),
    ],
)
def test_an_id_number_is_refused_with_its_reason(public, notice, number, reason) -> None:
    response = post(
        public,
        "/api/v1/applications",
        application(notice, number),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    with translation.override("zh-hans"):
        expected = id_number_message(reason)
    assert field_messages(response) == [expected]
    assert not Application.objects.exists()


def test_pydantics_own_refusals_are_said_in_the_callers_language(public, db) -> None:
    """A field left out, text too long, a number that is text: each named in Chinese, with the
    limit it broke."""
    answer = post(
        public,
        "/api/v1/tips",
        {"text": "菜市场门口有人打架", "place": "菜" * 201, "is_happening_now": "yes"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        **keyed(),
    )
    messages = field_messages(answer)
    assert in_chinese("This field is required.") in messages  # the category
    assert in_chinese("Write at most %(max_length)s characters.") % {"max_length": 200} in messages
    assert in_chinese("Send true or false here.") in messages
    assert "Field required" not in messages and len(messages) == 3
