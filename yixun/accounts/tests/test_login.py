import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD
from yixun.audit.models import AuditEntry


def sign_in(client: Client, phone: str, password: str = PASSWORD, **extra: str):
    return client.post("/accounts/login/", {"phone": phone, "password": password}, **extra)


def test_it_works_with_the_number_typed_any_usual_way(public, volunteer) -> None:
    response = sign_in(public, "+86 139-0000-0002")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert public.get("/").context["user"] == volunteer
    assert AuditEntry.objects.filter(
        action="accounts.user.logged_in", target_id=str(volunteer.pk)
    ).exists()


def test_it_returns_to_the_page_asked_for_but_never_to_another_site(public, leader) -> None:
    response = public.post(
        "/accounts/login/", {"phone": "13900000001", "password": PASSWORD, "next": "/calendar/"}
    )
    assert response["Location"] == "/calendar/"
    public.logout()
    response = public.post(
        "/accounts/login/?next=https://evil.example/",
        {"phone": "13900000001", "password": PASSWORD},
    )
    assert response["Location"] == "/"


def test_a_bad_number_gets_a_clear_message(public, volunteer) -> None:
    response = sign_in(public, "12345")
    assert response.status_code == 400
    assert "11" in response.content.decode()  # "Enter a mainland China mobile number of 11 digits"


def test_a_bad_number_is_explained_in_chinese_by_default(public, volunteer) -> None:
    response = sign_in(public, "12345")
    assert "请输入" in response.content.decode()


def test_a_wrong_password_is_refused_and_counted(public, volunteer) -> None:
    response = sign_in(public, "13900000002", "wrong")
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in public.session
    assert AuditEntry.objects.filter(action="accounts.user.login_failed").count() == 1


def test_a_missing_field_is_named(public) -> None:
    response = public.post("/accounts/login/", {"phone": "13900000002"})
    assert response.status_code == 400
    assert response.context["form"].errors["password"]


def test_a_success_forgives_earlier_failures_from_the_same_place(public, volunteer) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(3):
            sign_in(public, "13900000002", "wrong")
        clock.shift(dt.timedelta(seconds=31))  # the first wait, 30 seconds
        assert sign_in(public, "13900000002").status_code == 302
        public.logout()
        for _ in range(3):
            sign_in(public, "13900000002", "wrong")
        clock.shift(dt.timedelta(seconds=31))
        # Counted from the success on: 3 failures, a 30-second wait, not 6 and 4 minutes.
        assert sign_in(public, "13900000002").status_code == 302


def test_an_inactive_account_cannot_sign_in(public, volunteer) -> None:
    volunteer.is_active = False
    volunteer.save()
    assert sign_in(public, "13900000002").status_code == 400


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_signing_in_brings_back_the_persons_language(public, volunteer, language: str) -> None:
    volunteer.language = language
    volunteer.save()
    response = sign_in(public, "13900000002")
    assert response.cookies["django_language"].value == language


def test_sign_out_is_a_post(login, volunteer) -> None:
    client = login(volunteer)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session
