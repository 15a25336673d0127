from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from yixun.audit.forms import AuditFilterForm
from yixun.audit.models import AuditEntry
from yixun.audit.sentences import describe

PER_PAGE = 50


@login_required
@permission_required("audit.view_auditentry", raise_exception=True)
def entries(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    found = AuditEntry.objects.visible_to(request.user).select_related("actor")
    if form.is_valid():
        found = found.matching(**form.cleaned_data)
    elif form.is_bound:
        found = found.none()
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "described": describe(page),
        "query": query.urlencode(),
    }
    return render(request, "audit/entries.html", context)
