from django.urls import path

from yixun.public import views

app_name = "public"

# /squads/ and /partners/ are the members' own pages (members:squads, members:partners), and
# /figures/ the staff's figures with their drill-downs: the public's pages take other names.
urlpatterns = [
    path("about/", views.about, name="about"),
    path("our-squads/", views.squads_map, name="squads"),
    path("our-partners/", views.partners, name="partners"),
    path("contact/", views.contact, name="contact"),
    path("our-work/", views.figures_page, name="figures"),
    path("site/edit/", views.edit, name="edit"),
]
