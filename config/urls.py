from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("staff/", include("fortrolig.core.urls")),
    path("staff/", include("fortrolig.accounts.urls")),
    path("staff/audit/", include("fortrolig.audit.urls")),
    path("staff/candidates/", include("fortrolig.candidates.urls")),
    path("staff/documents/", include("fortrolig.documents.urls")),
    path("staff/clients/", include("fortrolig.clients.urls")),
    path("staff/assignments/", include("fortrolig.assignments.urls")),
    path("staff/ads/", include("fortrolig.assignments.ads_urls")),
    path("staff/outbox/", include("fortrolig.messaging.urls")),
    path("staff/privacy/", include("fortrolig.privacy.urls")),
    path("staff/retention/", include("fortrolig.privacy.retention_urls")),
    path("staff/checks/", include("fortrolig.candidates.check_urls")),
    path("staff/paper/", include("fortrolig.privacy.paper_urls")),
    path("staff/requests/", include("fortrolig.privacy.request_urls")),
    path("api/v1/", include("fortrolig.api.urls")),
    path("personvern/", include("fortrolig.privacy.public_urls")),
    path("fornye/", include("fortrolig.privacy.renewal_urls")),
    path("", include("fortrolig.public.apply_urls")),
    path("", include("fortrolig.public.urls")),
]
