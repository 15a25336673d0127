from django import template
from django.core.cache import caches
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from yixun.live.models import Event

register = template.Library()
SINCE_KEY = "live:since"


@register.simple_tag
def live_script() -> SafeString:
    """The page's live parts' client, told from which event on it follows: a change made
    between this page being drawn and its connection is sent all the same. Every signed-in page
    has it (the inbox and the urgent banner follow it), so the latest event is read at most once
    a second per process: one older by a moment only sends a change the page shows already."""
    since = caches["local"].get(SINCE_KEY)
    if since is None:
        since = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        caches["local"].set(SINCE_KEY, since, 1)
    return format_html(
        '<script src="{}" data-live-url="{}" data-live-since="{}" defer></script>',
        static("yixun/live.js"),
        reverse("live:events"),
        since,
    )
