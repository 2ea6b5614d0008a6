from django.urls import path

from .api import api

# No app_name here: the API brings its own URL namespace ("api"), so that the schema is
# `api:openapi-json` and the docs `api:openapi-view`.
urlpatterns = [
    path("", api.urls),
]
