"""The demo county's year of tips has every state a moderator and the police meet."""

import pytest
from django.core.management import call_command

from yixun.tips.models import Tip


@pytest.mark.django_db
def test_the_demo_has_tips_in_every_state() -> None:
    call_command("demo", "--size", "small", "-v", "0")
    states = set(Tip.objects.values_list("status", flat=True))
    assert states == set(Tip.Status.values)
    assert Tip.objects.filter(outcome=Tip.Outcome.CASE_SOLVED).exists()
    assert Tip.objects.filter(reporter__isnull=False).exists()
    assert Tip.objects.filter(merged_into__isnull=False).exists()
