"""The public REST API: ``/api/v1/…``, its OpenAPI schema and its documentation pages.

Each app that exposes endpoints has an ``api.py`` module with a ``register(router)`` function;
it is found here automatically (in ``INSTALLED_APPS`` order), so adding an app's API needs no
edit to this file. After changing an endpoint, regenerate the committed schema:
``python manage.py spectacular --file openapi.yaml``.
"""

from importlib import import_module

from csp.decorators import csp_update
from django.apps import apps
from django.urls import include, path
from django.utils.module_loading import module_has_submodule
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework import routers

app_name = "api"


def build_router() -> routers.DefaultRouter:
    router = routers.DefaultRouter()
    # No ``.json`` suffix routes: they pass a ``format`` argument that custom actions do not take
    # (``diff.json`` answered 500). ``Accept`` or ``?format=json`` choose the renderer instead.
    router.include_format_suffixes = False
    for app_config in apps.get_app_configs():
        if not module_has_submodule(app_config.module, "api"):
            continue
        register = getattr(import_module(f"{app_config.name}.api"), "register", None)
        if register is not None:
            register(router)
    return router


router = build_router()

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's init script as its own request: no inline script, so it
    # runs under our Content-Security-Policy.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # Redoc runs its search index in a Web Worker created from a blob: URL of its own (static) script.
    path(
        "redoc/",
        csp_update({"worker-src": ["'self'", "blob:"]})(
            SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html")
        ),
        name="redoc",
    ),
]
