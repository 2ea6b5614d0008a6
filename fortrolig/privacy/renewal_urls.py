"""The public renewal page behind the link in a renewal email (P-18). Mounted at /fornye/.
The token is opaque and signed; the address holds nothing else."""

from django.urls import path

from . import retention_views

app_name = "renewal"
urlpatterns = [
    path("<str:token>/", retention_views.renewal_view, name="confirm"),
]
