from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path

from yixun import sitemaps, views
from yixun.api.api import api
from yixun.api.api import not_found as api_not_found
from yixun.public import wechat_views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", sitemaps.robots_txt, name="robots"),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps.SITEMAPS}, name="sitemap"),
    path("wechat/card/", wechat_views.card, name="wechat_card"),
    path("accounts/", include("yixun.accounts.urls")),
    path("audit/", include("yixun.audit.urls")),
    path("live/", include("yixun.live.urls")),
    path("", include("yixun.members.urls")),
    path("", include("yixun.places.urls")),
    path("", include("yixun.shifts.urls")),
    path("", include("yixun.patrols.urls")),
    path("", include("yixun.tips.urls")),
    path("", include("yixun.bulletins.urls")),
    path("", include("yixun.events.urls")),
    path("", include("yixun.public.urls")),
    path("", include("yixun.stats.urls")),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", api_not_found),
]

handler400 = views.bad_request
handler403 = views.permission_denied
handler404 = views.page_not_found
handler500 = views.server_error
