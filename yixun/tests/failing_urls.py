"""A URL map with a view that fails, to test what people see when code breaks."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from yixun import views
from yixun.urls import urlpatterns as real


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internals: password=hunter2")


urlpatterns = [path("broken/", broken), *real]
handler500 = views.server_error
