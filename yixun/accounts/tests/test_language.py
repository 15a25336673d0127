def test_the_interface_is_chinese_by_default(db, public) -> None:
    assert '<html lang="zh-hans">' in public.get("/").content.decode()


def test_the_switch_is_remembered_by_the_browser(db, public) -> None:
    public.post("/accounts/language/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in public.get("/").content.decode()


def test_the_switch_follows_a_signed_in_person_to_another_device(login, volunteer) -> None:
    login(volunteer).post("/accounts/language/", {"language": "en", "next": "/"})
    volunteer.refresh_from_db()
    assert volunteer.language == "en"
    other_device = login(volunteer)
    assert '<html lang="en">' in other_device.get("/").content.decode()


def test_an_unknown_language_changes_nothing(login, volunteer) -> None:
    client = login(volunteer)
    client.post("/accounts/language/", {"language": "xx", "next": "/"})
    volunteer.refresh_from_db()
    assert volunteer.language == "zh-hans"
    assert '<html lang="zh-hans">' in client.get("/").content.decode()
