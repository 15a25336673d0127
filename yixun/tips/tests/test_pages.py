"""The tip pages: reporting anonymously, the captcha after a few, the tracking page that shows
only what the reporter may know, the queue that refreshes in place, and who reaches what."""

import re

from django.urls import reverse

from yixun.audit.models import AuditEntry
from yixun.tips import captcha
from yixun.tips.models import Tip, TipMessage
from yixun.tips.services import triage
from yixun.tips.tests.conftest import send

REPORT = {"category": "traffic", "text": "国道口红绿灯坏了两天了，晚上很危险", "place": "307国道口"}


def test_anyone_reports_anonymously_and_gets_a_tracking_code(db, public) -> None:
    page = public.get(reverse("tips:report"))
    assert (
        "only the moderator handling your tip" in page.content.decode()
        or "只有" in page.content.decode()
    )
    answer = public.post(reverse("tips:report"), REPORT)
    tip = Tip.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("tips:track", args=[tip.code])
    assert not tip.has_contact and tip.reporter is None
    assert tip.code in public.get(answer.url).content.decode()  # shown once, right after


def test_bad_input_is_told_and_nothing_kept(db, public) -> None:
    answer = public.post(reverse("tips:report"), {**REPORT, "text": "短", "contact_phone": "123"})
    assert answer.status_code == 400 and not Tip.objects.exists()


def test_a_captcha_after_a_few_tips_from_one_address(db, public) -> None:
    for n in range(3):
        public.post(reverse("tips:report"), {**REPORT, "text": f"{REPORT['text']}，第{n}次"})
    assert "tips/captcha.png" in public.get(reverse("tips:report")).content.decode()
    refused = public.post(
        reverse("tips:report"), {**REPORT, "text": "路口井盖丢了，很危险", "captcha": "0000"}
    )
    assert refused.status_code == 400 and Tip.objects.count() == 3
    assert public.get(reverse("tips:captcha")).headers["Content-Type"] == "image/png"
    session = public.session
    salt, _expected = session[captcha.KEY]
    digits = next(
        f"{a}{b}{c}{d}"
        for a in "23456789"
        for b in "23456789"
        for c in "23456789"
        for d in "23456789"
        if captcha._hash(salt, f"{a}{b}{c}{d}") == _expected
    )
    passed = public.post(
        reverse("tips:report"), {**REPORT, "text": "路口井盖丢了，很危险", "captcha": digits}
    )
    assert passed.status_code == 302 and Tip.objects.count() == 4


def test_the_tracking_page_shows_nothing_internal(public, moderator) -> None:
    tip = send(contact_name="王女士", contact_phone="13912345678")
    triage.take(tip=tip, actor=moderator)
    triage.write(tip=tip, actor=moderator, kind="note", text="内部备注：疑似重复")
    triage.write(tip=tip, actor=moderator, kind="question", text="请问具体在哪个门？")
    page = public.get(reverse("tips:track", args=[tip.code])).content.decode()
    assert "请问具体在哪个门" in page and "内部备注" not in page and "王女士" not in page
    public.post(reverse("tips:answer", args=[tip.code]), {"text": "东门"})
    assert TipMessage.objects.filter(kind="answer", text="东门").exists()
    assert public.get(reverse("tips:track", args=["A" * 20])).status_code == 404


def test_the_queue_shows_who_is_on_each_tip_in_a_fixed_number_of_queries(
    login, moderator, moderator2, django_assert_max_num_queries
) -> None:
    for n in range(3):
        send(f"第{n}条：学校门口有可疑人员徘徊，穿灰色外套", address=f"10.1.0.{n}")
    triage.take(tip=Tip.objects.first(), actor=moderator2)
    client = login(moderator)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("tips:queue")).content.decode()
    assert "钱版主" in page
    for n in range(5):
        send(f"又一条：学校门口有可疑人员徘徊{n}", address=f"10.2.0.{n}")
    with django_assert_max_num_queries(14):
        rows = client.get(reverse("tips:queue"), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in rows and len(re.findall(r"data-tip=", rows)) == 8


def test_who_reaches_what(login, public, volunteer, moderator, police, other_police, town) -> None:
    tip = send(contact_name="王女士", contact_phone="13912345678")
    detail = reverse("tips:detail", args=[tip.pk])
    assert public.get(detail).status_code == 302
    assert login(volunteer).get(detail).status_code == 404
    assert login(police).get(detail).status_code == 404  # not forwarded to them (yet)
    assert login(volunteer).get(reverse("tips:queue")).status_code == 403
    triage.take(tip=tip, actor=moderator)
    triage.forward(tip=tip, actor=moderator, area=town, summary="s")
    assert login(police).get(detail).status_code == 200
    assert login(other_police).get(detail).status_code == 404
    shown = login(police).post(reverse("tips:act", args=[tip.pk, "contact"]), {"reason": "回访"})
    assert "+8613912345678" in shown.content.decode()
    assert AuditEntry.objects.filter(action="tips.tip.contact_viewed", actor=police).exists()
    hidden = login(moderator).get(reverse("tips:queue"), {"folder": "all"}).content.decode()
    assert "13912345678" not in hidden and "王女士" not in hidden


def test_a_member_reports_from_their_page_and_is_credited(login, volunteer) -> None:
    login(volunteer).post(reverse("tips:report"), REPORT)
    tip = Tip.objects.get()
    assert tip.reporter == volunteer and tip.source == Tip.Source.MEMBER
    assert tip.code in login(volunteer).get(reverse("tips:report")).content.decode()


def test_officers_keep_the_rules_and_the_screening_lists(login, officer, moderator) -> None:
    from yixun.tips.models import ScreeningTerm, TipRules

    assert login(moderator).get(reverse("tips:settings")).status_code == 403
    client = login(officer)
    client.post(
        reverse("tips:add_term"), {"kind": "advertising", "term": "高價回收", "weight": "70"}
    )
    term = ScreeningTerm.objects.get(term="高價回收")
    assert term.normalised == "高价回收"
    assert send("高价回收旧手机，上门服务").status == Tip.Status.SPAM
    client.post(
        reverse("tips:add_term"), {"kind": "advertising", "term": "高价回收", "weight": "70"}
    )
    assert ScreeningTerm.objects.filter(normalised="高价回收").count() == 1
    values = {
        "ack_urgent_minutes": "10",
        "ack_minutes": "60",
        "resolve_hours": "12",
        "contact_retention_days": "90",
        "tips_per_hour": "5",
        "captcha_after": "2",
        "spam_threshold": "50",
    }
    assert client.post(reverse("tips:settings"), {**values, "ack_minutes": "0"}).status_code == 400
    client.post(reverse("tips:settings"), values)
    assert TipRules.current().ack_urgent_minutes == 10
    assert send("有个老人走失了，穿黑色棉袄", "missing_person", address="10.7.7.7").ack_due_at
    assert AuditEntry.objects.filter(action="tips.tip_rules.changed").exists()
    client.post(reverse("tips:remove_term", args=[term.pk]))
    assert not ScreeningTerm.objects.filter(pk=term.pk).exists()


def test_a_fraud_victim_is_not_taken_for_spam(db) -> None:
    victim = send(
        "我在网上做刷单兼职被骗了两万元，对方让我下载了一个软件", "crime", address="10.8.8.8"
    )
    assert victim.status == Tip.Status.NEW


def test_a_moderator_hands_a_tip_to_another(login, moderator, moderator2, volunteer) -> None:
    tip = send()
    triage.take(tip=tip, actor=moderator)  # only the one holding it hands it on
    login(moderator).post(reverse("tips:act", args=[tip.pk, "assign"]), {"to": moderator2.pk})
    tip.refresh_from_db()
    assert tip.assigned_to == moderator2
    login(moderator).post(reverse("tips:act", args=[tip.pk, "assign"]), {"to": volunteer.pk})
    tip.refresh_from_db()
    assert tip.assigned_to == moderator2  # only to moderators


def test_the_report_page_has_a_map_to_pin_the_place(db, public) -> None:
    page = public.get(reverse("tips:report")).content.decode()
    assert 'id="tip-map"' in page and "leaflet.js" in page
    public.post(reverse("tips:report"), {**REPORT, "latitude": "31.0001", "longitude": "114.0002"})
    tip = Tip.objects.get()
    assert (float(tip.latitude), float(tip.longitude)) == (31.0001, 114.0002)
