from django.urls import path

from yixun.tips.views import public, settings, work

app_name = "tips"

urlpatterns = [
    path("tips/new/", public.report, name="report"),
    path("tips/captcha.png", public.captcha_image, name="captcha"),
    path("tips/t/", public.find, name="find"),
    path("tips/t/<str:code>/", public.track, name="track"),
    path("tips/t/<str:code>/answer/", public.answer, name="answer"),
    path("tips/queue/", work.queue, name="queue"),
    path("tips/settings/", settings.settings_page, name="settings"),
    path("tips/settings/terms/", settings.add_term, name="add_term"),
    path("tips/settings/terms/<int:pk>/delete/", settings.remove_term, name="remove_term"),
    path("tips/queue/bulk/", work.bulk, name="bulk"),
    path("tips/police/", work.police, name="police"),
    path("tips/<int:pk>/", work.detail, name="detail"),
    path("tips/<int:pk>/<str:action>/", work.act, name="act"),
    path("tips/photos/<int:pk>.jpg", work.photo, name="photo"),
]
