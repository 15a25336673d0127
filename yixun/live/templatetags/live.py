from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from yixun.live.models import Event

register = template.Library()


@register.simple_tag
def live_script() -> SafeString:
    """The page's live parts' client, told from which event on it follows: a change made
    between this page being drawn and its connection is sent all the same."""
    since = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return format_html(
        '<script src="{}" data-live-url="{}" data-live-since="{}" defer></script>',
        static("yixun/live.js"),
        reverse("live:events"),
        since,
    )
