"""The committed OpenAPI schema (``openapi.yaml``) is the one the code generates.

Re-users read the committed file (and review its diff): an endpoint changed without
regenerating it would silently break them.
"""

import difflib
from contextlib import redirect_stderr
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from drf_spectacular.management.commands.spectacular import SchemaGenerationError

REGENERATE = ".venv/bin/python manage.py spectacular --file openapi.yaml"


def test_committed_openapi_schema_is_up_to_date():
    committed_path = settings.BASE_DIR / "openapi.yaml"
    assert committed_path.exists(), f"openapi.yaml is missing at the repository root; create it with: {REGENERATE}"
    out, err = StringIO(), StringIO()
    try:
        with redirect_stderr(err):  # drf-spectacular prints its warnings to sys.stderr
            call_command("spectacular", "--fail-on-warn", stdout=out, stderr=err)
    except SchemaGenerationError:
        raise AssertionError(
            "The OpenAPI schema generation emitted warnings: fix them in the app's api.py (type hints on "
            "SerializerMethodField getters, @extend_schema_field, serializer_class on views), then regenerate "
            f"with:\n    {REGENERATE}\nWarnings:\n{err.getvalue()[-4000:]}"
        ) from None
    generated = out.getvalue()
    committed = committed_path.read_text(encoding="utf-8")

    if generated.strip() != committed.strip():
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    generated.splitlines(keepends=True),
                    "openapi.yaml (committed)",
                    "generated",
                )
            )[:60]
        )
        raise AssertionError(
            f"openapi.yaml is out of date with the API code. Regenerate it with:\n    {REGENERATE}\n"
            f"then review and commit the change. First lines of the difference:\n{diff}"
        )


@pytest.mark.django_db
def test_custom_actions_answer_json_by_query_parameter_not_500_on_suffix(client):
    response = client.get("/api/v1/referentiels/ecole/diff.json")
    assert response.status_code == 404
    response = client.get("/api/v1/?format=json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
