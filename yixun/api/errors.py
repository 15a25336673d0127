"""Every API error is JSON with a stable `code` and a `message` in the caller's language."""

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from yixun.lib.errors import DomainError

log = logging.getLogger("yixun.api")

STATUS_CODES = {
    400: (
        "bad_request",
        gettext_lazy("The request could not be read. Send JSON that matches the documentation."),
    ),
    401: ("unauthenticated", gettext_lazy("Sign in first.")),
    403: ("forbidden", gettext_lazy("You may not do this.")),
    404: ("not_found", gettext_lazy("There is nothing here, or you may not see it.")),
    405: ("method_not_allowed", gettext_lazy("This address does not take that method.")),
    409: ("conflict", gettext_lazy("Someone changed this at the same time. Reload and try again.")),
    413: ("too_large", gettext_lazy("What you sent is too large.")),
    429: ("throttled", gettext_lazy("Too many requests. Wait a little and try again.")),
}


# Refusals made before any operation reads the request (yixun.api.middleware), and again by the
# operations themselves should one get that far.
TOO_LARGE = ("too_large", gettext_lazy("What you sent is too large. Send less at once."))
NUL_CHARACTER = (
    "nul_character",
    gettext_lazy("What you sent holds a NUL character (\\u0000), which no text may contain."),
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


# Pydantic's own messages are English: say the common ones in the caller's language, with the
# limits they name (`ctx`); a rare one keeps pydantic's words.
FIELD_MESSAGES: dict[str, Any] = {
    "missing": gettext_lazy("This field is required."),
    "extra_forbidden": gettext_lazy("This field is not taken here."),
    "string_type": gettext_lazy("Send text here."),
    "string_too_short": gettext_lazy("Write at least %(min_length)s characters."),
    "string_too_long": gettext_lazy("Write at most %(max_length)s characters."),
    "string_pattern_mismatch": gettext_lazy("This is not in the form the documentation gives."),
    "int_type": gettext_lazy("Send a whole number here."),
    "int_parsing": gettext_lazy("Send a whole number here."),
    "int_from_float": gettext_lazy("Send a whole number here."),
    "float_type": gettext_lazy("Send a number here."),
    "float_parsing": gettext_lazy("Send a number here."),
    "bool_type": gettext_lazy("Send true or false here."),
    "bool_parsing": gettext_lazy("Send true or false here."),
    "greater_than": gettext_lazy("Send a number above %(gt)s."),
    "greater_than_equal": gettext_lazy("Send a number of at least %(ge)s."),
    "less_than": gettext_lazy("Send a number below %(lt)s."),
    "less_than_equal": gettext_lazy("Send a number of at most %(le)s."),
    "enum": gettext_lazy("Choose one of: %(expected)s."),
    "literal_error": gettext_lazy("Choose one of: %(expected)s."),
    "list_type": gettext_lazy("Send a list here."),
    "too_short": gettext_lazy("Send at least %(min_length)s items."),
    "too_long": gettext_lazy("Send at most %(max_length)s items."),
    "dict_type": gettext_lazy("Send an object here."),
    "model_type": gettext_lazy("Send an object here."),
    "model_attributes_type": gettext_lazy("Send an object here."),
    "date_type": gettext_lazy("Send a day as YYYY-MM-DD."),
    "date_parsing": gettext_lazy("Send a day as YYYY-MM-DD."),
    "date_from_datetime_parsing": gettext_lazy("Send a day as YYYY-MM-DD."),
    "datetime_type": gettext_lazy("Send a time such as 2026-12-05T20:00:00+08:00."),
    "datetime_parsing": gettext_lazy("Send a time such as 2026-12-05T20:00:00+08:00."),
    "datetime_from_date_parsing": gettext_lazy("Send a time such as 2026-12-05T20:00:00+08:00."),
    "uuid_parsing": gettext_lazy("Send a UUID here."),
    "uuid_type": gettext_lazy("Send a UUID here."),
    "decimal_parsing": gettext_lazy("Send an amount such as 200000.00."),
    "json_invalid": gettext_lazy("This is not valid JSON."),
}


def _field_message(item: dict[str, Any]) -> str:
    # Our validators raise ValueError with a message in the caller's language; pydantic's own
    # `msg` puts "Value error, " (in English) before it.
    context = item.get("ctx") or {}
    if item.get("type") == "value_error" and "error" in context:
        return str(context["error"])
    wanted = FIELD_MESSAGES.get(str(item.get("type")))
    if wanted is None:
        return str(item.get("msg", ""))
    try:
        return str(wanted) % dict(context)
    except (KeyError, TypeError, ValueError):  # a limit pydantic did not name this time
        return str(item.get("msg", ""))


def install(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return error(api, request, exc.status, exc.code, exc.message)

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [
            {
                "location": [str(part) for part in item.get("loc", ())],
                "message": _field_message(item),
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
        code, message = STATUS_CODES.get(exc.status_code, ("error", _("The request failed.")))
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
