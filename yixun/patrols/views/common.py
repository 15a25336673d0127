"""What the duty pages share: one answer for a form sent by a person or by the offline queue."""

from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from yixun.lib.errors import DomainError


def wants_json(request: HttpRequest) -> bool:
    """The duty page's script sends queued forms asking for JSON; a plain form post does not."""
    return "application/json" in request.headers.get("Accept", "")


def done(request: HttpRequest, message: str, back: str, **data: Any) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"ok": True, "message": message, **data})
    messages.success(request, message)
    return redirect(back)


def refused(request: HttpRequest, error: DomainError, back: str) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"code": error.code, "message": error.message}, status=error.status)
    messages.error(request, error.message)
    return redirect(back)


def invalid(request: HttpRequest, form: Form, back: str) -> HttpResponse:
    """A form that did not validate: every message, translated, and nothing changed."""
    text = " ".join(str(message) for errors in form.errors.values() for message in errors)
    if wants_json(request):
        return JsonResponse({"code": "invalid", "message": text}, status=400)
    messages.error(request, text)
    return redirect(back)


def duration(minutes: int) -> str:
    """Minutes of service as people say them: 24 分钟, 2 小时, 1 小时 30 分钟."""
    hours, rest = divmod(max(0, minutes), 60)
    if not hours:
        return ngettext("%(n)d minute", "%(n)d minutes", rest) % {"n": rest}
    if not rest:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}
