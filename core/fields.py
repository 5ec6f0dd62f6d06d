"""Model fields shared by the apps."""

import json
from typing import Any

from django.db import models


class JSONTexte(models.TextField):
    """A JSON document stored as text, read and written whole, never queried inside.

    PostgreSQL's ``jsonb`` (Django's ``JSONField``) parses every number of a document into a ``numeric`` when it is
    written: 0.85 s of the server's time for the 60,000 diagnostics of a national recomputation, 0.4 s for its
    aggregates and histograms, documents that are only ever read whole. As text, a document is written as it was
    encoded.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        return None if value is None else json.loads(value)

    def to_python(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, separators=(",", ":"))
