"""The password rules speak to the reader as 您, as the rest of Yixun does; Django's own texts
say 你, so Yixun's catalogue carries its own wording of them."""

from conftest import PASSWORD


def test_the_rules_under_the_new_password_say_nin(login, volunteer) -> None:
    page = login(volunteer).get("/accounts/me/password/").content.decode()
    assert "您的密码不能全都是数字" in page
    assert "你" not in page


def test_a_refused_password_is_explained_with_nin(login, volunteer) -> None:
    page = (
        login(volunteer)
        .post(
            "/accounts/me/password/",
            {"old_password": "nope", "new_password1": "12345", "new_password2": "12345"},
        )
        .content.decode()
    )
    assert "您的旧密码不正确" in page
    assert "你" not in page
    assert PASSWORD not in page
