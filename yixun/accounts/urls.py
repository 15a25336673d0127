from django.urls import path

from yixun.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/second-step/", views.second_step, name="second_step"),
    path("login/second-step/resend/", views.second_step_resend, name="second_step_resend"),
    path("login/second-step/cancel/", views.second_step_cancel, name="second_step_cancel"),
    path("login/code/", views.login_code, name="login_code"),
    path("login/code/enter/", views.login_code_enter, name="login_code_enter"),
    path("login/code/resend/", views.login_code_resend, name="login_code_resend"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.set_language, name="set_language"),
    path("me/", views.account, name="account"),
    path("me/password/", views.password_change, name="password_change"),
    path("me/tokens/", views.token_create, name="token_create"),
    path("me/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/roles/<str:change>/", views.person_role, name="person_role"),
]
