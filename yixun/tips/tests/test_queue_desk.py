"""The moderators' queue on a desk: a table sorted on the server by a column named in ?sort=
(unknown names ignored), and bulk actions that pass each tip through its own service."""

import re

import pytest
from django.urls import reverse

from yixun.audit.models import AuditEntry
from yixun.tips.models import Tip
from yixun.tips.services import triage
from yixun.tips.tests.conftest import send


def rows(html: str) -> list[int]:
    """The tips in the desk table, in their order."""
    table = html.split('data-testid="queue-table"')[1]
    return [int(pk) for pk in re.findall(r'data-row="(\d+)"', table)]


@pytest.fixture
def three(moderator2) -> list[Tip]:
    traffic = send("国道口红绿灯坏了两天了，晚上很危险", "traffic", address="10.3.0.1")
    child = send("有个小孩走失了，穿红色衣服，在广场附近", "missing_person", address="10.3.0.2")
    fight = send("菜市场门口有人吵架，围了很多人", address="10.3.0.3")
    triage.take(tip=fight, actor=moderator2)
    return [traffic, child, fight]


def test_the_queue_sorts_by_a_whitelisted_column(login, moderator, three) -> None:
    traffic, child, fight = three
    client = login(moderator)
    assert rows(client.get(reverse("tips:queue")).content.decode())[0] == child.pk  # urgent
    received = rows(client.get(reverse("tips:queue"), {"sort": "received"}).content.decode())
    assert received == [traffic.pk, child.pk, fight.pk]
    newest = rows(client.get(reverse("tips:queue"), {"sort": "-received"}).content.decode())
    assert newest == [fight.pk, child.pk, traffic.pk]
    by_holder = client.get(reverse("tips:queue"), {"sort": "-holder"}).content.decode()
    assert rows(by_holder)[0] == fight.pk
    assert 'aria-sort="descending"' in by_holder
    for bad in ("password", "-", "created_at", "received;drop", ""):
        page = client.get(reverse("tips:queue"), {"sort": bad})
        assert page.status_code == 200 and rows(page.content.decode())[0] == child.pk
    for name in ("category", "urgency", "due", "status", "-due"):
        assert len(rows(client.get(reverse("tips:queue"), {"sort": name}).content.decode())) == 3


def test_the_table_costs_the_same_queries_for_many_rows(
    login, moderator, moderator2, django_assert_max_num_queries
) -> None:
    client = login(moderator)
    send("第一条：学校门口有可疑人员徘徊，穿灰色外套", address="10.4.0.0")
    with django_assert_max_num_queries(14):
        client.get(reverse("tips:queue"), {"sort": "holder"})
    for n in range(40):
        tip = send(f"第{n}条：学校门口有可疑人员徘徊，穿灰色外套", address=f"10.4.1.{n}")
        if n % 2:
            triage.take(tip=tip, actor=moderator2)
    with django_assert_max_num_queries(14):
        html = client.get(reverse("tips:queue"), {"sort": "holder"}).content.decode()
    assert len(rows(html)) == 41


def test_bulk_take_goes_tip_by_tip_and_says_what_happened(login, moderator, three) -> None:
    traffic, child, fight = three
    answer = login(moderator).post(
        "/tips/queue/bulk/",
        {"action": "take", "tip": [traffic.pk, child.pk, fight.pk], "back": "sort=due"},
        follow=True,
    )
    assert answer.redirect_chain[-1][0] == f"{reverse('tips:queue')}?sort=due"
    said = [str(message) for message in answer.context["messages"]]
    assert any(f"#{traffic.pk}" in line and f"#{child.pk}" in line for line in said)
    assert any(line.startswith(f"#{fight.pk}:") for line in said)  # held by another: told
    held = dict(Tip.objects.values_list("pk", "assigned_to"))
    assert held[traffic.pk] == held[child.pk] == moderator.pk and held[fight.pk] != moderator.pk
    assert AuditEntry.objects.filter(action="tips.tip.taken", actor=moderator).count() == 2


def test_bulk_spam_moves_only_what_the_service_allows(login, moderator, three) -> None:
    traffic, _child, fight = three
    answer = login(moderator).post(
        reverse("tips:bulk"), {"action": "spam", "tip": [traffic.pk, fight.pk]}, follow=True
    )
    said = " ".join(str(message) for message in answer.context["messages"])
    assert f"#{traffic.pk}" in said and f"#{fight.pk}" in said
    statuses = dict(Tip.objects.values_list("pk", "status"))
    assert statuses[traffic.pk] == "spam" and statuses[fight.pk] == "new"
    assert AuditEntry.objects.filter(action="tips.tip.marked_spam").count() == 1


def test_bulk_actions_refuse_what_they_do_not_know(
    login, moderator, volunteer, three, public
) -> None:
    traffic = three[0]
    client = login(moderator)
    client.post(reverse("tips:bulk"), {"action": "delete", "tip": [traffic.pk]})
    client.post(reverse("tips:bulk"), {"action": "take", "tip": ["x", "-1", "9" * 20]})
    assert Tip.objects.get(pk=traffic.pk).assigned_to is None
    login(volunteer).post(reverse("tips:bulk"), {"action": "take", "tip": [traffic.pk]})
    assert Tip.objects.get(pk=traffic.pk).assigned_to is None  # sees none, takes none
    assert (
        public.post(reverse("tips:bulk"), {"action": "take", "tip": [traffic.pk]}).status_code
        == 302
    )
    assert Tip.objects.get(pk=traffic.pk).assigned_to is None
