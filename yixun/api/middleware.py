"""What every API request is refused for before any operation reads it.

A NUL character (U+0000) in the path, the query or any text of the body: PostgreSQL cannot store
one (a server error) and SQLite stores it (text that breaks every export), so the API takes it
nowhere, Open311 included. Checked here, once for every field there is or will be, rather than
field by field. The OpenAPI document says so of every string it takes (see `api.py`).

A body over DATA_UPLOAD_MAX_MEMORY_SIZE, which Django refuses to read: 413, in the API's JSON.

JSON nested deeper than any body the API takes (DEEPEST levels): 400, as a body that cannot be
read. Python's parser and any recursive walk over what it parsed run out of stack a few hundred
levels down (a RecursionError, which was the 500 page); where that happens depends on how deep
the stack already is, so the limit is ours, checked without recursion.
"""

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError

from yixun.api import errors

API_PREFIX = "/api/"
# Open311 apps read errors in GeoReport v2's own shape, JSON or XML as the address ends.
OPEN311_PREFIX = "/api/v1/open311/"
FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")
NUL = "\x00"
# Methods whose body an operation may read; a body sent with a GET is never looked at.
WITH_BODY = {"POST", "PUT", "PATCH", "DELETE"}
# The deepest body the API takes nests three or four levels (a list of objects in an object);
# far below the depth at which Python's parser gives up.
DEEPEST = 32


def _within(value: Any) -> Iterator[tuple[Any, int]]:
    """Each value within parsed JSON (itself, every key and every item) with its depth. A loop
    over a list, not recursion, so that no nesting can exhaust the stack."""
    pending = [(value, 0)]
    while pending:
        node, depth = pending.pop()
        yield node, depth
        if isinstance(node, dict):
            pending.extend((key, depth + 1) for key in node)
            pending.extend((item, depth + 1) for item in node.values())
        elif isinstance(node, list):
            pending.extend((item, depth + 1) for item in node)


def holds_nul(value: Any) -> bool:
    """Whether a NUL is in this text, or in any key or text within this parsed JSON."""
    return any(isinstance(node, str) and NUL in node for node, _depth in _within(value))


def _form_holds_nul(request: HttpRequest) -> bool:
    fields = [(key, value) for key, values in request.POST.lists() for value in values]
    names = [upload.name or "" for uploads in request.FILES.lists() for upload in uploads[1]]
    return any(holds_nul(key) or holds_nul(value) for key, value in fields) or any(
        holds_nul(name) for name in names
    )


def _json_refused(body: bytes) -> tuple[str, Any] | None:
    """Why this JSON body is refused before any operation reads it (400), or None."""
    try:
        parsed = json.loads(body)
    except ValueError:  # not JSON (nor UTF-8): the operation refuses it as unreadable
        return None
    except RecursionError:  # nested deeper than the parser's stack reaches
        return errors.UNREADABLE
    for node, depth in _within(parsed):
        if depth > DEEPEST:
            return errors.UNREADABLE
        if isinstance(node, str) and NUL in node:
            return errors.NUL_CHARACTER
    return None


def _body_refused(request: HttpRequest) -> tuple[str, Any] | None:
    if request.content_type in FORMS:
        return errors.NUL_CHARACTER if _form_holds_nul(request) else None
    if not request.body:
        return None
    return _json_refused(request.body)


def _answer(request: HttpRequest, status: int, refused: tuple[str, Any]) -> HttpResponse:
    code, message = refused
    if request.path_info.startswith(OPEN311_PREFIX):
        from yixun.api.routers import open311

        fmt = "xml" if request.path_info.endswith(".xml") else "json"
        return open311._error(fmt, status, str(message))
    return errors.plain_error(status, code, str(message))


def refusal(request: HttpRequest) -> HttpResponse | None:
    """The answer to a request refused before it reaches an operation, or None."""
    query = [(key, value) for key, values in request.GET.lists() for value in values]
    if holds_nul(request.path) or any(holds_nul(key) or holds_nul(value) for key, value in query):
        return _answer(request, 400, errors.NUL_CHARACTER)
    if request.method not in WITH_BODY:
        return None
    try:
        refused = _body_refused(request)
    except RequestDataTooBig:
        return _answer(request, 413, errors.TOO_LARGE)
    except (TooManyFieldsSent, TooManyFilesSent, MultiPartParserError):
        return _answer(request, 400, errors.UNREADABLE)
    return None if refused is None else _answer(request, 400, refused)


class RefuseBadInput:
    """Refuse, under /api/, what no operation may be handed (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX):
            refused = refusal(request)
            if refused is not None:
                return refused
        return self.get_response(request)
