from django.urls import path

from yixun.stats import views

app_name = "stats"

urlpatterns = [
    path("figures/", views.figures_page, name="figures"),
    path("figures/<str:name>/", views.drill_down, name="records"),
]
