"""Officers set the public site's texts and figures; nobody else may, bad input changes nothing,
and every change leaves a trace."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from yixun.audit.models import AuditEntry
from yixun.public.models import DEFAULT_FIGURES, PublicSite
from yixun.public.services import NotAllowed, PublicSiteError, save_public_site

URL = "/site/edit/"
GOOD = {
    "intro": "我们是**网友义务巡逻协会**。",
    "about_extra": "成立于 2011 年。",
    "contact": "人民路 1 号，工作日 9:00–17:00",
    "figures": ["duties", "accidents"],
}


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def test_the_url_is_named() -> None:
    assert reverse("public:edit") == URL


def test_an_officer_sets_the_texts_and_figures(officer, login, public: Client) -> None:
    client = login(officer)
    assert client.get(URL).status_code == 200
    page = client.post(URL, GOOD)
    assert page.status_code == 302
    site = PublicSite.objects.get()
    assert site.intro == GOOD["intro"] and site.contact == GOOD["contact"]
    assert site.figures == ["duties", "accidents"]
    assert site.updated_by == officer
    home = public.get("/")
    assert "<strong>网友义务巡逻协会</strong>" in home.content.decode()
    assert [f.name for f in home.context["figures"]] == ["duties", "accidents"]
    [entry] = AuditEntry.objects.filter(action="public.public_site.updated")
    assert entry.actor == officer
    assert entry.data["changed"] == ["intro", "about_extra", "contact", "figures"]


def test_saving_nothing_new_writes_no_entry(officer) -> None:
    save_public_site(actor=officer, **GOOD)
    save_public_site(actor=officer, **GOOD)
    assert AuditEntry.objects.filter(action="public.public_site.updated").count() == 1


def test_the_form_starts_from_what_is_set(officer, login) -> None:
    save_public_site(actor=officer, **GOOD)
    form = login(officer).get(URL).context["form"]
    assert form.initial["intro"] == GOOD["intro"]
    assert form.initial["figures"] == ["duties", "accidents"]


@pytest.mark.parametrize("who", ["volunteer", "leader", "moderator", "police"])
def test_no_one_else_may(request, login, who: str) -> None:
    client = login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403
    assert client.post(URL, GOOD).status_code == 403
    assert PublicSite.current().intro == ""
    assert not AuditEntry.objects.filter(action="public.public_site.updated").exists()


def test_the_public_is_sent_to_sign_in(db, public: Client) -> None:
    page = public.post(URL, GOOD)
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    assert PublicSite.current().intro == ""


@pytest.mark.parametrize(
    "bad",
    [
        {"figures": ["duties", "members_phone_numbers"]},
        {"intro": "长" * 10_001},
        {"contact": "地址\x00"},
    ],
)
def test_bad_input_is_refused_and_changes_nothing(officer, login, bad) -> None:
    client = login(officer)
    page = client.post(URL, {**GOOD, **bad})
    assert page.status_code == 400
    assert page.context["form"].errors
    site = PublicSite.current()
    assert (site.intro, site.figures) == ("", DEFAULT_FIGURES)
    assert not AuditEntry.objects.filter(action="public.public_site.updated").exists()


def test_the_service_refuses_what_the_form_would(officer, volunteer) -> None:
    with pytest.raises(PublicSiteError) as refused:
        save_public_site(actor=officer, **{**GOOD, "figures": ["nonsense"]})
    assert refused.value.code == "unknown_figure" and "nonsense" in refused.value.message
    with pytest.raises(PublicSiteError) as refused:
        save_public_site(actor=officer, **{**GOOD, "about_extra": "x" * 10_001})
    assert refused.value.code == "about_extra_too_long"
    with pytest.raises(NotAllowed):
        save_public_site(actor=volunteer, **GOOD)
    assert PublicSite.current().intro == ""
