"""The shift page's list of who has been invited and not yet answered, for those who fill it."""

from typing import Any

from django import template

from yixun.shifts.models import Invitation, Shift
from yixun.shifts.services import invites

register = template.Library()


@register.simple_tag(takes_context=True)
def pending_invitations(context: dict[str, Any], shift: Shift) -> list[Invitation]:
    """`{% pending_invitations shift as invited %}`: the viewer's unanswered invitations."""
    return list(invites.pending(shift=shift, viewer=context["request"].user))
