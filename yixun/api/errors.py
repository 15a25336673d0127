"""Every API error is JSON with a stable `code` and a `message` in the caller's language."""

import logging

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from yixun.lib.errors import DomainError

log = logging.getLogger("yixun.api")

STATUS_CODES = {
    400: (
        "bad_request",
        _lazy("The request could not be read. Send JSON that matches the documentation."),
    ),
    401: ("unauthenticated", _lazy("Sign in first.")),
    403: ("forbidden", _lazy("You may not do this.")),
    404: ("not_found", _lazy("There is nothing here, or you may not see it.")),
    405: ("method_not_allowed", _lazy("This address does not take that method.")),
    409: ("conflict", _lazy("Someone changed this at the same time. Reload and try again.")),
    413: ("too_large", _lazy("What you sent is too large.")),
    429: ("throttled", _lazy("Too many requests. Wait a little and try again.")),
}


# Refusals made before any operation reads the request (yixun.api.middleware), and again by the
# operations themselves should one get that far.
TOO_LARGE = ("too_large", _lazy("What you sent is too large. Send less at once."))
NUL_CHARACTER = (
    "nul_character",
    _lazy("What you sent holds a NUL character (\\u0000), which no text may contain."),
)
UNREADABLE = STATUS_CODES[400]


def plain_error(status: int, code: str, message: str) -> JsonResponse:
    """The JSON error shape, for answers given outside an operation (no NinjaAPI at hand)."""
    return JsonResponse(
        {"code": code, "message": message}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def error(
    api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str, **extra: object
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


def install(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return error(api, request, exc.status, exc.code, exc.message)

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [
            {
                "location": [str(part) for part in item.get("loc", ())],
                "message": str(item.get("msg", "")),
            }
            for item in exc.errors
        ]
        return error(
            api, request, 422, "invalid", _("Some fields are missing or not valid."), errors=errors
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error(
            api,
            request,
            401,
            "unauthenticated",
            _("Sign in, or send a valid personal access token as “Authorization: Bearer <token>”."),
        )

    @api.exception_handler(AuthorizationError)
    def forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return error(api, request, 403, "forbidden", _("You may not do this."))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error(
            api, request, 404, "not_found", _("There is nothing here, or you may not see it.")
        )

    @api.exception_handler(RequestDataTooBig)
    def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        # Over DATA_UPLOAD_MAX_MEMORY_SIZE: Django refuses to read it, and so do we, as a 413.
        return error(api, request, 413, TOO_LARGE[0], str(TOO_LARGE[1]))

    @api.exception_handler(TooManyFieldsSent)
    @api.exception_handler(TooManyFilesSent)
    @api.exception_handler(MultiPartParserError)
    def unreadable(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error(api, request, 400, UNREADABLE[0], str(UNREADABLE[1]))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # Ninja's own messages ("Cannot parse request body") are English only.
        code, message = STATUS_CODES.get(exc.status_code, ("error", _lazy("The request failed.")))
        return error(api, request, exc.status_code, code, str(message))

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        if isinstance(exc, OperationalError | InterfaceError):
            log.error("database unavailable: %s", exc)
            return error(
                api,
                request,
                503,
                "unavailable",
                _("Yixun cannot reach its database. Try again in a minute."),
            )
        log.exception("API error on %s %s", request.method, request.path, exc_info=exc)
        return error(
            api,
            request,
            500,
            "server_error",
            _("Something went wrong on our side. It has been logged."),
        )
