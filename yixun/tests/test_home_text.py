"""The larger-text setting: kept on the account, applied as a class on <html>, and offered to
visitors through a cookie."""

from yixun.accounts.models import User


def test_a_member_chooses_larger_text(login, volunteer) -> None:
    client = login(volunteer)
    assert 'class="text-large"' not in client.get("/").content.decode()
    page = client.post("/accounts/me/", {"text_size": "large"})
    assert page.status_code == 302
    assert User.objects.get(pk=volunteer.pk).large_text
    assert '<html lang="zh-hans" class="text-large">' in client.get("/").content.decode()
    client.post("/accounts/me/", {"text_size": "normal"})
    assert not User.objects.get(pk=volunteer.pk).large_text


def test_a_bad_choice_changes_nothing(login, volunteer) -> None:
    page = login(volunteer).post("/accounts/me/", {"text_size": "huge"})
    assert page.status_code == 400
    assert "huge" in page.content.decode()  # the form says which choice it refused
    assert not User.objects.get(pk=volunteer.pk).large_text


def test_a_visitor_s_cookie_sets_larger_text(db, public) -> None:
    public.cookies["yixun_text"] = "large"
    assert 'class="text-large"' in public.get("/").content.decode()
    public.cookies["yixun_text"] = "normal"
    assert 'class="text-large"' not in public.get("/").content.decode()
