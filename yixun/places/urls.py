from django.urls import path

from yixun.places import views

app_name = "places"

urlpatterns = [
    path("sites/", views.site_list, name="sites"),
    path("sites/new/", views.site_edit, name="site_new"),
    path("sites/<int:pk>/", views.site_detail, name="site"),
    path("sites/<int:pk>/edit/", views.site_edit, name="site_edit"),
    path("sites/<int:pk>/poster.<str:kind>", views.poster, name="poster"),
    path("sites/<int:pk>/renew-code/", views.renew_qr, name="renew_qr"),
    path("routes/", views.route_list, name="routes"),
    path("routes/new/", views.route_edit, name="route_new"),
    path("routes/<int:pk>/", views.route_detail, name="route"),
    path("routes/<int:pk>/edit/", views.route_edit, name="route_edit"),
    path("check-in/<str:token>/", views.check_in, name="check_in"),
]
