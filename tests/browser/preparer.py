"""Prepare the database of the browser tests, in one process: the real commands, as `make setup` runs them.

``python -m tests.browser.preparer --departements 35 --fichier …/comptes-demo.txt`` against ``DATABASE_URL``:
migrate, import the open data of the départements, create the demo accounts (passwords kept in ``--fichier``),
then print one JSON line: who holds which role where.
"""

import argparse
import json
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--departements", required=True)
    parser.add_argument("--fichier", required=True)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socle.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("import_territoires", departements=args.departements, stdout=sys.stderr)
    call_command("creer_comptes_demo", fichier=Path(args.fichier), stdout=sys.stderr)

    from comptes.models import Membership

    rows = Membership.objects.order_by("user__username").values_list(
        "user__username", "role", "organisation__collectivite__code", "organisation__etablissement_id"
    )
    memberships = [{"username": u, "role": r, "collectivite": c or "", "etablissement": e or ""} for u, r, c, e in rows]
    print(json.dumps(memberships))


if __name__ == "__main__":
    main()
