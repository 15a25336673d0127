"""The officers' settings for tips: the clocks, limits and retention, and the screening lists."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yixun.accounts.decorators import role_required
from yixun.accounts.http import SignedInRequest
from yixun.accounts.roles import Role
from yixun.lib.errors import DomainError
from yixun.tips.forms import RulesForm, TermForm
from yixun.tips.models import ScreeningTerm, TipRules
from yixun.tips.services import rules as tip_rules


@role_required(Role.OFFICER)
def settings_page(request: SignedInRequest) -> HttpResponse:
    form = RulesForm(request.POST or None, instance=TipRules.current())
    if request.method == "POST" and form.is_valid():
        tip_rules.update_rules(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("tips:settings")
    return render(
        request,
        "tips/settings.html",
        {"form": form, "term_form": TermForm(), "terms": ScreeningTerm.objects.all()},
        status=400 if form.errors else 200,
    )


@role_required(Role.OFFICER)
@require_POST
def add_term(request: SignedInRequest) -> HttpResponse:
    form = TermForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
        return redirect("tips:settings")
    try:
        tip_rules.add_term(actor=request.user, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("tips:settings")


@role_required(Role.OFFICER)
@require_POST
def remove_term(request: SignedInRequest, pk: int) -> HttpResponse:
    tip_rules.remove_term(actor=request.user, term=get_object_or_404(ScreeningTerm, pk=pk))
    return redirect("tips:settings")
