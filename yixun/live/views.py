from django.http import HttpRequest, HttpResponse


def events(request: HttpRequest) -> HttpResponse:
    """What a WSGI server answers at the push endpoint: it does not push (a worker would be held
    for as long as the page stays open). The ASGI application (`yixun.asgi`) answers this path
    itself, before Django (`yixun.live.asgi`); behind a proxy, /live/ goes to it
    (docs/deployment.md). The browser then falls back to asking now and then."""
    return HttpResponse(status=503, headers={"Retry-After": "3600"})
