from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger

from yixun.api import errors
from yixun.api.auth import api_auth
from yixun.api.routers import (
    accounts,
    applications,
    audit,
    duty,
    figures,
    insurance,
    members,
    open311,
    patrol_logs,
    police,
    rulebook,
    shifts,
    tips,
)

api = NinjaAPI(
    title="Yixun API",
    version="1",
    description=(
        "The REST API of Yixun (义巡). Authenticate with a personal access token "
        "(`Authorization: Bearer yx_…`, issued on your account page or with "
        "`manage.py issue_token`) or with a signed-in session. Errors are JSON: "
        '`{"code": "…", "message": "…"}`, the message in the language of `Accept-Language`.'
    ),
    auth=api_auth,
    urls_namespace="api",
    docs=Swagger(settings={"persistAuthorization": True}),
)
errors.install(api)
api.add_router("/", accounts.router)
api.add_router("/audit", audit.router)
api.add_router("/", members.router)
api.add_router("/", applications.router)
api.add_router("/", rulebook.router)
api.add_router("/", insurance.router)
api.add_router("/", shifts.router)
api.add_router("/", police.router)
api.add_router("/", duty.router)
api.add_router("/", patrol_logs.router)
api.add_router("/", figures.router)
api.add_router("/", tips.router)
api.add_router("/open311/v2", open311.router)


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """An unknown address under /api/v1/ answers in JSON too, not with the HTML 404 page."""
    return errors.error(api, request, 404, "not_found", _("There is no such API endpoint."))
