from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from yixun.bulletins.inbox import now_for


def inbox(request: HttpRequest) -> dict[str, object]:
    """The inbox's count and urgent banners, read only when a page shows them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_now": SimpleLazyObject(lambda: now_for(user))}
