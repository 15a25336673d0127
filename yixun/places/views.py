from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yixun.accounts.decorators import role_required
from yixun.accounts.roles import Role, has_role
from yixun.lib.errors import DomainError
from yixun.places import posters, services
from yixun.places.forms import RouteForm, SiteFilterForm, SiteForm
from yixun.places.models import Route, Site

# Who may print a site's poster: officers, and leaders who put posters up for their squads.
POSTER_ROLES = (Role.OFFICER, Role.SQUAD_LEADER)


@login_required
def site_list(request: HttpRequest) -> HttpResponse:
    form = SiteFilterForm(request.GET or None)
    found = Site.objects.select_related("area__parent__parent")
    if form.is_valid():
        if area := form.cleaned_data["area"]:
            found = found.filter(area__path__startswith=area.path)
        if kind := form.cleaned_data["kind"]:
            found = found.filter(kind=kind)
    page = Paginator(found, 60).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "places/site_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "is_officer": has_role(request.user, Role.OFFICER),
        },
    )


@login_required
def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    site = get_object_or_404(Site.objects.select_related("area"), pk=pk)
    may_print = any(has_role(request.user, role) for role in POSTER_ROLES)
    return render(
        request,
        "places/site_detail.html",
        {
            "site": site,
            "may_print": may_print,
            "is_officer": has_role(request.user, Role.OFFICER),
            "routes": Route.objects.filter(stops__site=site).distinct(),
        },
    )


@role_required(Role.OFFICER)
def site_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    site = get_object_or_404(Site, pk=pk) if pk else None
    form = SiteForm(request.POST or None, instance=site)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_site(actor=request.user, site=site, **form.cleaned_data)
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("places:site", pk=saved.pk)
    return render(
        request,
        "places/site_edit.html",
        {"form": form, "site": site},
        status=400 if form.errors else 200,
    )


@role_required(*POSTER_ROLES)
def poster(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    site = get_object_or_404(Site, pk=pk, is_active=True)
    if kind == "pdf":
        response = HttpResponse(posters.poster_pdf(site), content_type="application/pdf")
    elif kind == "png":
        response = HttpResponse(posters.qr_png(site), content_type="image/png")
    else:
        raise Http404
    response["Content-Disposition"] = f'inline; filename="site-{site.pk}.{kind}"'
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.OFFICER)
@require_POST
def renew_qr(request: HttpRequest, pk: int) -> HttpResponse:
    site = get_object_or_404(Site, pk=pk)
    services.renew_qr(site=site, actor=request.user)
    messages.success(
        request,
        _("The site has a new code. Print and put up the new poster; the old one no longer works."),
    )
    return redirect("places:site", pk=pk)


def check_in(request: HttpRequest, token: str) -> HttpResponse:
    """Where a poster's code leads. It names the site, for a passer-by as for a volunteer."""
    site = get_object_or_404(Site.objects.select_related("area"), qr_token=token, is_active=True)
    if request.user.is_authenticated:  # a volunteer scanning to check in: the duty page takes it
        return redirect("patrols:scan", token=token)
    return render(request, "places/check_in.html", {"site": site})


@login_required
def route_list(request: HttpRequest) -> HttpResponse:
    routes = Route.objects.select_related("area").prefetch_related("stops")
    return render(
        request,
        "places/route_list.html",
        {"routes": routes, "is_officer": has_role(request.user, Role.OFFICER)},
    )


@login_required
def route_detail(request: HttpRequest, pk: int) -> HttpResponse:
    route = get_object_or_404(Route.objects.select_related("area"), pk=pk)
    return render(
        request,
        "places/route_detail.html",
        {"route": route, "stops": route.stops.select_related("site")},
    )


@role_required(Role.OFFICER)
def route_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    route = get_object_or_404(Route, pk=pk) if pk else None
    initial = {}
    if route is not None:
        initial = {
            "name": route.name,
            "kind": route.kind,
            "setting": route.setting,
            "area": route.area,
            "stops": [s.site for s in route.stops.all() if s.site],
        }
    form = RouteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        order = [int(pk) for pk in request.POST.getlist("stops")]
        chosen = {site.pk: site for site in form.cleaned_data["stops"]}
        try:
            saved = services.save_route(
                actor=request.user,
                route=route,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                setting=form.cleaned_data["setting"],
                area=form.cleaned_data["area"],
                stops=[chosen[pk] for pk in order if pk in chosen],
            )
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            return redirect("places:route", pk=saved.pk)
    return render(
        request,
        "places/route_edit.html",
        {"form": form, "route": route},
        status=400 if form.errors else 200,
    )
