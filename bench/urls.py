from django.http import HttpRequest, HttpResponse
from django.urls import path

from yixun.urls import handler400, handler403, handler404, handler500
from yixun.urls import urlpatterns as yixun_urls

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def baseline(request: HttpRequest) -> HttpResponse:
    """Django's floor on this machine: through the same middleware, no database, no template."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/baseline", baseline), *yixun_urls]
