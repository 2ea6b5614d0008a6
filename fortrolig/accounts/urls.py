from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_code_view, name="login_code"),
    path("login/enrol/", views.enrol_view, name="enrol"),
    path("logout/", views.logout_view, name="logout"),
    path("security/", views.security_view, name="security"),
    path("security/end-sessions/", views.sessions_end_all_view, name="sessions_end_all"),
    path(
        "security/recovery-codes/",
        views.recovery_codes_regenerate_view,
        name="recovery_codes_regenerate",
    ),
    path("agency/", views.agency_switch_view, name="agency_switch"),
]
