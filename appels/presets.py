"""The appels à projets shipped as data (``appels/data/appels.json``), read and validated.

Loaded into the database by ``manage.py charger_appels``; the tests read the same file.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

from . import rules

FICHIER = Path(__file__).resolve().parent / "data" / "appels.json"


@cache
def presets() -> tuple[dict[str, Any], ...]:
    data = json.loads(FICHIER.read_text(encoding="utf-8"))
    appels = tuple(data["appels"])
    for appel in appels:
        rules.lire_eligibilite(appel["eligibilite"], f"{appel['code']}.eligibilite")
        rules.lire_financement(appel["financement"], f"{appel['code']}.financement")
    return appels


def preset(code: str) -> dict[str, Any]:
    for appel in presets():
        if appel["code"] == code:
            return appel
    raise KeyError(code)
