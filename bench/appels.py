"""Benchmark of the appels à projets: the whole SNÉÉ campaign through the rules, and one decision.

``python -m bench.appels [--dossiers 7182] [--decisions 30] [--seed 2026] [--afflux 7182] [--clients 32]
[--workers 4] [--threads 1] [--afflux-seul]`` prints figures and ratios; it never asserts (``--afflux 0`` leaves
the surge out, ``--afflux-seul`` runs the surge alone).

Figures:

- **campaign**: eligibility of every school and subsidy of every dossier of a synthetic SNÉÉ campaign
  (7,182 dossiers, as in 2021; 1 to 8 schools each, expenses per volet), with the preset rules of
  ``snee-2021`` (``appels.rules.evaluer`` and ``calculer_subvention``, explanations included); target ≤ 2 s.
  Baseline, same data, same process: the subsidy formula of domain.md §3 hand-written in Decimal
  (no caps, no floors, no explanation) — the ratio is the cost of the rule language and the explanations.
- **campaign from the database**: the same campaign stored in SQLite (dossiers, projets, lines, schools),
  reviewed by ``appels.selectors.bilan_campagne`` (the reads, the facts of every school, eligibility and
  subsidy by each dossier's revision); target ≤ 2 s; compared with the in-memory figure.
- **decision**: ``appels.services.dossier_accepter`` (row locks, projets check, subsidy recomputation,
  envelope check and update, audit entry) on a fresh SQLite database with production-like settings;
  median and maximum over ``--decisions`` dossiers; target ≤ 50 ms. Baseline: one audited save of a
  dossier row in a transaction (the floor of any write).
- **deadline surge** (``bench/appels_afflux.py``): gunicorn (``--workers`` processes of ``--threads`` threads,
  keep-alive; ``--threads 1``: sync workers) on 127.0.0.1 over a fresh database (SQLite; PostgreSQL when
  ``DATABASE_URL`` points to it), ``--clients`` agents logged in through the form deposit ``--afflux`` dossiers
  through ``POST /api/v1/appels/<code>/depots/`` at once (retries and double clicks with the same idempotency key);
  throughput and p95 latency (target ≤ 300 ms), CPU per deposit of the server and of the clients, then the
  database is checked: exactly that many dossiers, none twice, none lost, no envelope exceeded.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from bench.__main__ import Row, print_table, verdict

DOSSIERS_SNEE = 7_182


def campagne(n: int, seed: int) -> list[list[tuple[dict[str, object], tuple[str, str, int, int, dict[str, Decimal]]]]]:
    """``n`` dossiers: for each school, its facts and (code, name, classes, pupils, expenses)."""
    alea = random.Random(seed)
    dossiers = []
    for d in range(n):
        ecoles = []
        population = alea.choice([300, 900, 1800, 4000, 12000, 60000])
        for e in range(alea.choices([1, 2, 3, 4, 8], weights=[50, 25, 12, 8, 5])[0]):
            classes = alea.randint(1, 14)
            faits: dict[str, object] = {
                "etablissement.niveau": "ecole",
                "etablissement.sous_type": alea.choice(["elementaire", "primaire", "primaire", "maternelle"]),
                "etablissement.secteur": alea.choice(["public"] * 9 + ["prive_sous_contrat"]),
                "commune.population": population,
                "etablissement.classes": classes,
            }
            depenses = {
                "equipement": Decimal(alea.randint(1_000, 60_000 * classes // 4 + 1_000)),
                "services": Decimal(alea.randint(0, 3_000)),
                "accompagnement": Decimal(alea.choice([0, 0, 500])),
            }
            ecoles.append((faits, (f"D{d}E{e}", f"École {d}-{e}", classes, classes * 23, depenses)))
        dossiers.append(ecoles)
    return dossiers


def run_campagne(n: int, seed: int) -> tuple[float, float, int, int, Decimal]:
    from appels import rules
    from appels.presets import preset

    data = preset("snee-2021")
    dossiers = campagne(n, seed)
    debut = time.perf_counter()
    eligibilite = rules.lire_eligibilite(data["eligibilite"])
    financement = rules.lire_financement(data["financement"])
    total = Decimal(0)
    eligibles = 0
    for ecoles in dossiers:
        saisies = []
        for faits, (code, nom, classes, eleves, depenses) in ecoles:
            if rules.evaluer(eligibilite, faits).eligible:
                eligibles += 1
                saisies.append(rules.EtablissementSaisi(code, nom, classes, eleves, depenses))
        total += rules.calculer_subvention(financement, saisies).subvention
    secondes = time.perf_counter() - debut

    debut = time.perf_counter()
    base = Decimal(0)
    for ecoles in dossiers:
        e = sum((dep["equipement"] for _, (_, _, _, _, dep) in ecoles), Decimal(0))
        s = sum((dep["services"] for _, (_, _, _, _, dep) in ecoles), Decimal(0))
        equip = Decimal("0.70") * min(e, Decimal(200_000)) + Decimal("0.50") * max(
            Decimal(0), min(e, Decimal(1_000_000)) - Decimal(200_000)
        )
        base += (equip + Decimal("0.50") * s).quantize(Decimal("0.01"))
    baseline = time.perf_counter() - debut
    return secondes, baseline, sum(len(d) for d in dossiers), eligibles, total


def run_campagne_db(appel, departement, academie, n: int, seed: int) -> tuple[float, int, Decimal]:
    """The same campaign stored in the database, reviewed by ``selectors.bilan_campagne`` (reads included)."""
    from appels import selectors
    from appels.models import Dossier, EtatDossier, LigneDepense, Projet
    from territoires.models import Collectivite, Commune, Etablissement

    revision = appel.revision_publiee()
    dossiers = campagne(n, seed)
    communes = Commune.objects.bulk_create(
        Commune(code_insee=f"9{i:04d}", nom=f"Commune {i}", departement=departement, population=1000 + i)
        for i in range(n)
    )
    collectivites = Collectivite.objects.bulk_create(
        Collectivite(nom=f"Commune {i}", type="commune", commune=c, code=f"campagne-{i}")
        for i, c in enumerate(communes)
    )
    Dossier.objects.bulk_create(
        Dossier(appel=appel, revision=revision, collectivite=c, academie=academie, etat=EtatDossier.DEPOSE,
                cle_idempotence=f"campagne-{i}")
        for i, c in enumerate(collectivites)
    )  # fmt: skip
    par_collectivite = dict(Dossier.objects.filter(appel=appel).values_list("collectivite_id", "pk"))
    etablissements, projets, lignes = [], [], []
    k = 0
    for i, ecoles in enumerate(dossiers):
        for faits, (_, nom, classes, eleves, depenses) in ecoles:
            uai = f"9{k:06d}Z"
            k += 1
            etablissements.append(
                Etablissement(
                    uai=uai, nom=nom, niveau="ecole", sous_type=str(faits["etablissement.sous_type"]),
                    secteur=str(faits["etablissement.secteur"]), commune=communes[i], departement=departement,
                    academie=academie, collectivite_competente=collectivites[i], classes=classes, eleves=eleves,
                )
            )  # fmt: skip
            projets.append(
                Projet(dossier_id=par_collectivite[collectivites[i].pk], etablissement_id=uai, classes=classes,
                       eleves=eleves, projet_pedagogique="P")
            )  # fmt: skip
            lignes.append([(v, m) for v, m in depenses.items() if m])
    Etablissement.objects.bulk_create(etablissements, batch_size=2000)
    crees = Projet.objects.bulk_create(projets, batch_size=2000)
    LigneDepense.objects.bulk_create(
        (
            LigneDepense(projet=p, volet=v, libelle=v, quantite=1, prix_unitaire=m)
            for p, ls in zip(crees, lignes, strict=True)
            for v, m in ls
        ),
        batch_size=5000,
    )
    debut = time.perf_counter()
    bilans = selectors.bilan_campagne(appel, etats=[EtatDossier.DEPOSE])
    secondes = time.perf_counter() - debut
    return secondes, sum(len(b.non_eligibles) for b in bilans), sum((b.resultat.subvention for b in bilans), Decimal(0))


def run_decisions(
    n: int, db_path: Path, campagne_n: int, seed: int
) -> tuple[list[float], list[float], tuple[float, int, Decimal]]:
    from bench.environment import setup_django

    setup_django(db_path)
    import io

    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0, stdout=io.StringIO())

    import datetime as dt

    from django.utils import timezone

    from appels import services
    from appels.models import Dossier, EtatDossier, EtatProjet, LigneDepense, Projet
    from appels.presets import preset
    from core.audit import log_action
    from territoires.models import Academie, Collectivite, Commune, Departement, Etablissement, Region

    data = dict(preset("snee-2021"))
    data["ouverture"] = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    data["cloture"] = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    appel, _ = services.appel_charger(data=data)
    region = Region.objects.create(code="53", nom="Bretagne")
    academie = Academie.objects.create(code="14", nom="Rennes", region_academique=region)
    departement = Departement.objects.create(code="35", nom="Ille-et-Vilaine", region=region, academie=academie)
    services.enveloppe_fixer(appel=appel, academie=academie, montant=Decimal(50_000_000), acteur=None)
    dossiers = []
    for i in range(n + 1):
        commune = Commune.objects.create(code_insee=f"35{i:03d}", nom=f"Commune {i}", departement=departement)
        collectivite = Collectivite.objects.create(nom=f"Commune {i}", type="commune", commune=commune, code=f"c-{i}")
        dossier = Dossier.objects.create(
            appel=appel,
            revision=appel.revision_publiee(),
            collectivite=collectivite,
            academie=academie,
            etat=EtatDossier.EN_INSTRUCTION,
            cle_idempotence=f"bench-{i}",
        )
        for j in range(3):
            ecole = Etablissement.objects.create(
                uai=f"035{i:03d}{j}A", nom=f"École {i}-{j}", niveau="ecole", commune=commune,
                departement=departement, academie=academie, collectivite_competente=collectivite,
            )  # fmt: skip
            projet = Projet.objects.create(
                dossier=dossier, etablissement=ecole, classes=5, eleves=110, projet_pedagogique="P",
                etat=EtatProjet.VALIDE,
            )  # fmt: skip
            LigneDepense.objects.bulk_create(
                LigneDepense(projet=projet, volet=v, libelle=v, quantite=q, prix_unitaire=Decimal(p))
                for v, q, p in (("equipement", 5, "2400.00"), ("equipement", 1, "1800.00"), ("services", 110, "15"))
            )
        dossiers.append(dossier)

    decisions = []
    services.dossier_accepter(dossier=dossiers[0], acteur=None)  # warm-up (imports, caches)
    for dossier in dossiers[1:]:
        debut = time.perf_counter()
        services.dossier_accepter(dossier=dossier, acteur=None)
        decisions.append((time.perf_counter() - debut) * 1000)
    bases = []
    for dossier in dossiers[1:]:
        debut = time.perf_counter()
        with transaction.atomic():
            dossier.motif = "bench"
            dossier.save(update_fields=["motif"])
            log_action(dossier, "bench.save", actor=None)
        bases.append((time.perf_counter() - debut) * 1000)
    print(f"Campaign in the database: {campagne_n} dossiers (setup not timed)…", flush=True)
    base_campagne = run_campagne_db(appel, departement, academie, campagne_n, seed)
    return decisions, bases, base_campagne


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.appels", description=__doc__)
    parser.add_argument("--dossiers", type=int, default=DOSSIERS_SNEE)
    parser.add_argument("--decisions", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--afflux", type=int, default=DOSSIERS_SNEE, help="dossiers of the deadline surge (0: none)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn processes (twice the cores: sync workers)")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per gunicorn process; 1: sync workers (a gthread worker keeps the keep-alive connections it "
        "accepts: one process took all 32 clients and the surge ran on one core)",
    )
    parser.add_argument("--afflux-seul", action="store_true", help="the deadline surge only")
    args = parser.parse_args(argv)
    # Read before the in-process parts point DATABASE_URL at their SQLite file.
    base_url = os.environ.get("DATABASE_URL", "")
    if args.afflux_seul:
        return main_afflux(args, base_url)

    tmpdir = Path(tempfile.mkdtemp(prefix="socle-bench-appels-"))
    rows: list[Row] = []
    notes: list[str] = []
    try:
        print("Decisions: fresh database, migrate, dossiers (not timed)…", flush=True)
        decisions, bases, (secondes_db, non_eligibles_db, total_db) = run_decisions(
            args.decisions, tmpdir / "bench.sqlite3", args.dossiers, args.seed
        )
        print(f"Campaign: {args.dossiers} dossiers…", flush=True)
        secondes, baseline, ecoles, eligibles, total = run_campagne(args.dossiers, args.seed)
        afflux = None
        if args.afflux > 0:
            from bench.appels_afflux import run_afflux

            (tmpdir / "afflux").mkdir()
            afflux = run_afflux(
                args.afflux, args.clients, args.workers, tmpdir / "afflux", args.threads, base_url=base_url
            )
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(tmpdir, ignore_errors=True)

    rows.append(
        Row(
            f"Campaign: {args.dossiers:,} dossiers",
            f"{secondes:.2f} s",
            f"hand-written formula {baseline:.2f} s",
            f"{secondes / baseline:.1f}×" if baseline else "",
            "≤ 2 s",
            verdict(secondes <= 2),
        )
    )
    rows.append(
        Row(
            f"Campaign from the database: {args.dossiers:,} dossiers",
            f"{secondes_db:.2f} s",
            f"in memory {secondes:.2f} s",
            f"{secondes_db / secondes:.1f}×" if secondes else "",
            "≤ 2 s",
            verdict(secondes_db <= 2),
        )
    )
    mediane, maximum = statistics.median(decisions), max(decisions)
    rows.append(
        Row(
            "Decision (accept + envelope) median",
            f"{mediane:.1f} ms",
            f"audited save {statistics.median(bases):.1f} ms",
            f"{mediane / statistics.median(bases):.1f}×",
            "≤ 50 ms",
            verdict(mediane <= 50),
        )
    )
    rows.append(Row("Decision max", f"{maximum:.1f} ms", f"audited save {max(bases):.1f} ms", "", "", ""))
    notes.append(
        f"Campaign: {ecoles:,} schools, {eligibles:,} eligible; total subsidy {total:,.2f} € "
        "(synthetic expenses; explanations built for every dossier)."
    )
    notes.append(
        f"Campaign from the database (appels.selectors.bilan_campagne, SQLite): reads, facts, eligibility and "
        f"subsidy of every dossier; {non_eligibles_db:,} schools found non-eligible; total {total_db:,.2f} €."
    )
    notes.append(f"Decisions: {len(decisions)} dossiers of 3 schools each, SQLite, production-like settings.")
    if afflux is not None:
        rows += afflux_rows(afflux, args)
        notes.append(afflux_note(afflux, args))
    print()
    print_table(rows)
    for note in notes:
        print(f"- {note}")
    return 0


def main_afflux(args: argparse.Namespace, base_url: str) -> int:
    from bench.appels_afflux import run_afflux

    tmpdir = Path(tempfile.mkdtemp(prefix="socle-bench-afflux-"))
    try:
        afflux = run_afflux(args.afflux, args.clients, args.workers, tmpdir, args.threads, base_url=base_url)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    print()
    print_table(afflux_rows(afflux, args))
    print(f"- {afflux_note(afflux, args)}")
    return 0


def afflux_note(afflux: dict, args: argparse.Namespace) -> str:
    c = afflux["controle"]
    serveur = (
        f"gunicorn {args.workers} × {args.threads} threads" if args.threads > 1 else f"gunicorn {args.workers} sync"
    )
    n = max(afflux["requetes"], 1)
    return (
        f"Surge ({afflux['moteur']}, {serveur}, {args.clients} clients, loopback): "
        f"{afflux['requetes']:,} requests in {afflux['secondes']:.1f} s, median {afflux['p50']:.0f} ms; "
        f"{afflux['crees']:,} created, {afflux['rejoues']:,} replays answered with the same dossier, "
        f"{afflux['reprises']:,} retries after an error, {len(afflux['echecs'])} failures"
        + (f" (first: {afflux['echecs'][0]})" if afflux["echecs"] else "")
        + f". CPU per request: server {afflux['serveur_cpu'] / n * 1000:.1f} ms"
        + (
            f", PostgreSQL's backends {afflux['base_cpu'] / n * 1000:.1f} ms"
            if afflux.get("base_cpu") is not None
            else ""
        )
        + ", clients "
        + f"{afflux['clients_cpu'] / n * 1000:.1f} ms; load average (1/5/15 min) before "
        + "/".join(f"{x:.1f}" for x in afflux["charge_avant"])
        + ", at the end "
        + "/".join(f"{x:.1f}" for x in afflux["charge"])
        + f" ({os.cpu_count()} CPUs). Database: {c['dossiers']:,} dossiers, {c['deposes']:,} deposited, "
        f"{c['cles_en_double']} keys twice, {c['collectivites_en_double']} collectivités twice, "
        f"{c['sans_projet']} without projet, {c['enveloppes_depassees']} envelopes exceeded."
    )


def afflux_rows(afflux: dict, args: argparse.Namespace) -> list[Row]:
    c = afflux["controle"]
    exact = (
        c["dossiers"] == c["deposes"] == args.afflux
        and not (c["cles_en_double"] or c["collectivites_en_double"] or c["sans_projet"] or c["enveloppes_depassees"])
        and not afflux["echecs"]
    )
    return [
        Row(
            f"Surge: {args.afflux:,} deposits, {args.clients} clients ({afflux['moteur']})",
            f"{afflux['debit']:.1f} dossiers/s",
            f"{afflux['secondes']:.0f} s in all",
            "",
            "",
            "",
        ),
        Row(
            "Surge: p95 latency",
            f"{afflux['p95']:.0f} ms",
            f"median {afflux['p50']:.0f} ms",
            "",
            "≤ 300 ms",
            verdict(afflux["p95"] <= 300),
        ),
        Row(
            "Surge: dossiers in the database", f"{c['dossiers']:,}", "", "", f"exactly {args.afflux:,}", verdict(exact)
        ),
    ]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
