from django.test import Client


def test_a_crash_shows_a_calm_page_and_no_internals(db, settings) -> None:
    settings.ROOT_URLCONF = "yixun.tests.failing_urls"
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "hunter2" not in body and "Traceback" not in body and "RuntimeError" not in body
    assert "<h1>" in body


def test_a_missing_page_is_a_translated_404(public, db) -> None:
    response = public.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "Not found" in response.content.decode()


def test_a_form_posted_without_its_csrf_token_is_explained(db) -> None:
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"phone": "13900000002", "password": "x"}
    )
    assert response.status_code == 403
    assert "<h1>" in response.content.decode()
