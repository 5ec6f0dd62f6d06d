"""The whole import: locate or download the files, check them all, then write everything in one transaction."""

import hashlib
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from core.audit import log_action
from core.models import AuditEntry
from core.ramasse_miettes import sans_ramasse_miettes
from territoires import models
from territoires.competences import recompute_collectivites_competentes
from territoires.rules import resoudre_competence

from . import collectivites as collectivites_module
from .decoupage import lire_referentiel
from .ecriture import Compte, synchroniser
from .etablissements import CHAMPS_IPS, Scolaire, codes, fichiers_scolaires, lire_scolaire
from .lecture_a_part import Lue, lecture_a_part
from .readers import ErreurImport, Erreurs
from .registry import DATASETS, Dataset

Etape = Callable[[str], None]


@dataclass
class Rapport:
    inchange: bool = False
    comptes: dict[str, Compte] = field(default_factory=dict)
    avertissements: list[str] = field(default_factory=list)
    recalcules: int = 0


def localiser(dossier: Path) -> dict[str, Path]:
    """The datasets present in a folder; a missing required one is an error."""
    chemins = {d.code: dossier / d.fichier for d in DATASETS if (dossier / d.fichier).is_file()}
    manquants = [d.fichier for d in DATASETS if d.requis and d.code not in chemins]
    if manquants:
        raise ErreurImport([f"{dossier} : fichier requis absent : {m}" for m in manquants])
    return chemins


def telecharger(destination: Path, dossier_local: Path | None = None, *, etape: Etape | None = None) -> dict[str, Path]:
    """Download every dataset from its official address (or ``SOCLE_DATASET_URLS``) into ``destination``.

    A dataset whose address is empty is taken from ``dossier_local`` when present there, else skipped.
    """
    destination.mkdir(parents=True, exist_ok=True)
    chemins: dict[str, Path] = {}
    erreurs: list[str] = []
    for d in DATASETS:
        url = d.url_effective
        if not url:
            if dossier_local is not None and (dossier_local / d.fichier).is_file():
                chemins[d.code] = dossier_local / d.fichier
            continue
        if not url.startswith(("http://", "https://")):
            erreurs.append(f"{d.code} : adresse « {url} » refusée (http ou https seulement)")
            continue
        if etape:
            etape(f"Téléchargement de {d.code}")
        temporaire = destination / f"{d.code}.part"
        try:
            with urllib.request.urlopen(url, timeout=120) as reponse, temporaire.open("wb") as sortie:  # noqa: S310
                shutil.copyfileobj(reponse, sortie)
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            erreurs.append(f"{d.code} : téléchargement impossible depuis {url} ({exc})")
            continue
        debut = temporaire.read_bytes()[:64].lstrip()
        extension = ".json" if debut[:1] in (b"[", b"{") else ".csv.gz" if debut[:2] == b"\x1f\x8b" else ".csv"
        final = destination / f"{d.code}{extension}"
        temporaire.replace(final)
        chemins[d.code] = final
    manquants = [d.code for d in DATASETS if d.requis and d.code not in chemins]
    erreurs += [
        f"{code} : jeu de données requis non téléchargé" for code in manquants if not any(code in e for e in erreurs)
    ]
    if erreurs:
        raise ErreurImport(erreurs)
    return chemins


def empreinte(chemin: Path) -> str:
    h = hashlib.sha256()
    with chemin.open("rb") as f:
        for bloc in iter(lambda: f.read(1 << 20), b""):
            h.update(bloc)
    return h.hexdigest()


def _perimetre(d: Dataset, departements: set[str] | None) -> str:
    """The département filter applies to school datasets only."""
    if d.famille in ("regions", "academies", "departements", "epci", "communes", "superficies"):
        return ""
    return codes(departements) if departements else ""


def _liberer(collectivites: dict[str, dict[str, Any]]) -> None:
    for champ in ("siren", "commune_id", "epci_id", "departement_id", "region_id"):
        voulus = {v[champ]: code for code, v in collectivites.items() if v[champ]}
        liberes = [
            pk
            for pk, code, valeur in models.Collectivite.objects.filter(**{f"{champ}__isnull": False}).values_list(
                "pk", "code", champ
            )
            if voulus.get(valeur, code) != code
        ]
        for debut in range(0, len(liberes), 500):
            models.Collectivite.objects.filter(pk__in=liberes[debut : debut + 500]).update(**{champ: None})


def importer(
    chemins: dict[str, Path],
    *,
    departements: set[str] | None = None,
    force: bool = False,
    etape: Etape | None = None,
) -> Rapport:
    """Import the datasets of ``chemins`` (code → file). Raises ``ErreurImport`` and writes nothing on bad input."""
    with sans_ramasse_miettes():
        return _importer(chemins, departements=departements, force=force, etape=etape)


def _importer(
    chemins: dict[str, Path],
    *,
    departements: set[str] | None,
    force: bool,
    etape: Etape | None,
) -> Rapport:
    rapport = Rapport()

    def annoncer(texte: str) -> None:
        if etape:
            etape(texte)

    datasets = [d for d in DATASETS if d.code in chemins]
    empreintes = {d.code: empreinte(chemins[d.code]) for d in datasets}
    if not force:
        connues = {
            s.code: (s.empreinte, s.perimetre) for s in models.DataSource.objects.filter(code__in=list(empreintes))
        }
        if all(connues.get(d.code) == (empreintes[d.code], _perimetre(d, departements)) for d in datasets):
            rapport.inchange = True
            return rapport

    familles = {d.code: d.famille for d in datasets}
    # The school files are read by a child process (the second CPU) while this one reads the territories.
    with lecture_a_part(fichiers_scolaires(chemins, familles)) as lue:
        # 1. Read and check the territories; nothing is written if a file is bad.
        erreurs = Erreurs()
        annoncer("Lecture des territoires")
        ref = lire_referentiel(chemins, erreurs)
        erreurs.lever()
        coll = collectivites_module.construire(ref)

        # 2. Write, all or nothing. The school files are checked before any write, except into an empty SQLite
        # database: there, after the territories are written (the child has read them meanwhile; a bad file rolls
        # everything back).
        with _chargement_sqlite() as controle_differe, transaction.atomic():
            # An empty SQLite database: the tables are known empty, no read of their rows.
            frais = connection.vendor == "sqlite" and not any(m.objects.exists() for m in _MODELES_ECRITS)
            _ecrire(
                chemins, datasets, empreintes, departements, ref, coll, familles, erreurs, rapport, frais, annoncer, lue
            )
            if controle_differe:
                # Every foreign key written meanwhile, checked before the commit: a violation rolls everything back.
                connection.check_constraints(table_names=[m._meta.db_table for m in (*_MODELES_ECRITS, AuditEntry)])
    return rapport


@contextmanager
def _chargement_sqlite() -> Iterator[bool]:
    """SQLite settings for loading many rows; yields whether foreign keys are left unchecked until the caller checks
    them all (``check_constraints``) before its commit.

    Into a database whose territoires tables are all empty, outside any transaction (``manage.py``, not the tests'
    transactions), and when no other connection holds the file:

    - the rollback journal instead of the write-ahead log: the new pages are written once, into the file, instead of
      into the log and then copied into the file at the checkpoint (0.25 s of a national import); rows appended to
      a file need no journal, so a failure still restores the database;
    - foreign keys checked in one pass per table at the end instead of at each insert (SQLite looks each parent up
      per row either way; the pass is cheaper than the 360,000 lookups interleaved with the inserts).

    Both are taken back afterwards, whatever happens. With another connection open (a server already running
    on the new file), the journal stays the write-ahead log."""
    if connection.vendor != "sqlite":
        yield False
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size = -131072")  # 128 MiB: the indexes of 300,000 new rows stay in memory
    if connection.in_atomic_block or any(m.objects.exists() for m in _MODELES_ECRITS):
        yield False
        return
    journal = _mode_journal("DELETE")
    controle_differe = connection.disable_constraint_checking()
    try:
        yield controle_differe
    finally:
        if controle_differe:
            connection.enable_constraint_checking()
        _mode_journal(journal)


def _mode_journal(mode: str) -> str:
    """Set SQLite's journal mode, if no other connection has the database open (SQLite refuses it then: the mode
    stays, and each connection of Socle sets the write-ahead log when it opens); returns the mode before."""
    with connection.cursor() as cursor:
        avant: str = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        with suppress(OperationalError):  # "database is locked": another connection
            cursor.execute(f"PRAGMA journal_mode = {mode}")
    return avant


# Every model the import writes: a SQLite database where they are all empty is written without reading them.
_MODELES_ECRITS = (
    models.DataSource,
    models.Region,
    models.Academie,
    models.Departement,
    models.EPCI,
    models.Commune,
    models.Collectivite,
    models.Competence,
    models.Circonscription,
    models.Etablissement,
    models.Effectif,
    models.IPS,
)


def _ecrire(
    chemins: dict[str, Path],
    datasets: list[Dataset],
    empreintes: dict[str, str],
    departements: set[str] | None,
    ref: Any,
    coll: Any,
    familles: dict[str, str],
    erreurs: Erreurs,
    rapport: Rapport,
    frais: bool,
    annoncer: Etape,
    lue: Lue,
) -> None:
    """The writes of ``_importer``, in its transaction; ``frais``: every table written is empty (SQLite)."""

    def lire_les_ecoles() -> Scolaire:
        annoncer("Lecture des établissements, effectifs et IPS")
        scolaire = lire_scolaire(chemins, familles, ref, departements, erreurs, lue)
        erreurs.lever()
        rapport.avertissements += scolaire.avertissements
        return scolaire

    if not frais:  # every file is read and checked before anything is written
        scolaire = lire_les_ecoles()
    annoncer("Écriture des sources")
    maintenant = timezone.now()
    sources = {
        d.code: {
            "titre": d.titre,
            "producteur": d.producteur,
            "licence": d.licence,
            "url": d.url_effective or d.url,
            "millesime": d.millesime,
            "fichier": chemins[d.code].name,
            "empreinte": empreintes[d.code],
            "perimetre": _perimetre(d, departements),
            # Created with their import date (an empty table), else updated below.
            **({"importe_le": maintenant} if frais else {}),
        }
        for d in datasets
    }
    rapport.comptes["Sources"] = synchroniser(models.DataSource, ("code",), sources, vide=frais)  # type: ignore[arg-type]
    if not frais:
        models.DataSource.objects.filter(code__in=list(sources)).update(importe_le=maintenant)

    annoncer("Écriture des régions, académies et départements")
    rapport.comptes["Régions"] = synchroniser(models.Region, ("code",), ref.regions, vide=frais)  # type: ignore[arg-type]
    rapport.comptes["Académies"] = synchroniser(models.Academie, ("code",), ref.academies, vide=frais)  # type: ignore[arg-type]
    # Before the communes that refer to them: in SQLite, a row whose parent comes later is a pending violation of a
    # deferred foreign key, and each parent row inserted meanwhile scans its children (without an index: minutes).
    # Into an empty database, the school files are read after the territories are written: the académies the
    # Ministry's directory gives to départements that lack one are set then.
    sans_academie = [code for code, d in ref.departements.items() if d["academie_id"] is None]
    rapport.comptes["Départements"] = synchroniser(
        models.Departement,
        ("code",),
        ref.departements,  # type: ignore[arg-type]
        vide=frais,
    )
    annoncer("Écriture des EPCI et des communes")
    rapport.comptes["EPCI"] = synchroniser(models.EPCI, ("siren",), ref.epci, vide=frais)  # type: ignore[arg-type]
    rapport.comptes["Communes"] = synchroniser(models.Commune, ("code_insee",), ref.communes, vide=frais)  # type: ignore[arg-type]
    annoncer("Écriture des collectivités")
    # A SIREN or a territory moving to another collectivité (e.g. a special statute taking over, after an edit of
    # collectivites_particulieres.json) is released first: they are unique.
    if not frais:
        _liberer(coll.collectivites)
    rapport.comptes["Collectivités"] = synchroniser(
        models.Collectivite,
        ("code",),
        coll.collectivites,  # type: ignore[arg-type]
        vide=frais,
    )

    annoncer("Écriture des compétences")
    source_ids = dict(models.DataSource.objects.values_list("code", "pk"))
    collectivite_ids = dict(models.Collectivite.objects.values_list("code", "pk"))
    transferees = (
        set()
        if frais
        else set(
            models.Competence.objects.filter(origine=models.OrigineCompetence.TRANSFERT).values_list(
                "niveau", "perimetre", "code_territoire"
            )
        )
    )
    competences = {
        cle: {
            "collectivite_id": collectivite_ids[v["collectivite"]],
            "origine": v["origine"],
            "fondement": v["fondement"],
            "depuis": v["depuis"],
        }
        for cle, v in coll.competences.items()
    }
    rapport.comptes["Compétences"] = synchroniser(
        models.Competence,
        ("niveau", "perimetre", "code_territoire"),
        competences,  # type: ignore[arg-type]
        ignorer=transferees,
        vide=frais,
    )
    if frais:  # read once the territories and competences are written (the child read the files meanwhile)
        scolaire = lire_les_ecoles()
        completes = [(ref.departements[c]["academie_id"], c) for c in sans_academie]
        models.Departement.objects.bulk_update(
            [models.Departement(code=c, academie_id=a) for a, c in completes if a is not None], ["academie_id"]
        )
    annoncer("Écriture des circonscriptions et des établissements")
    avant = set() if frais else set(models.Etablissement.objects.values_list("uai", flat=True))
    rapport.comptes["Circonscriptions"] = synchroniser(
        models.Circonscription,
        ("code",),
        scolaire.circonscriptions,  # type: ignore[arg-type]
        vide=frais,
    )
    if frais:  # every competence was just created: the table holds exactly these
        carte = {cle: v["collectivite_id"] for cle, v in competences.items()}
    else:
        carte = {
            (n, p, c): col
            for n, p, c, col in models.Competence.objects.values_list(
                "niveau", "perimetre", "code_territoire", "collectivite_id"
            )
        }
    # The établissements of one commune, level and sector share their collectivité compétente: each such key is
    # resolved once.
    etablissements = scolaire.etablissements.values()
    cles = list(map(itemgetter("niveau", "secteur", "commune_id", "departement_id"), etablissements))
    resolues = {
        (niveau, secteur, commune, departement): resoudre_competence(
            niveau=niveau,
            secteur=secteur,
            code_commune=commune,
            code_departement=departement,
            code_region=ref.region_de_departement[departement],
            competences=carte,
        )[0]
        for niveau, secteur, commune, departement in set(cles)
    }
    ids = {**source_ids, None: None}  # a figure without a source keeps none
    for e, cle in zip(etablissements, cles, strict=True):
        e["collectivite_competente_id"] = resolues[cle]
        e["source_id"] = ids[e["source_id"]]
        e["eleves_source_id"] = ids[e["eleves_source_id"]]
        e["classes_source_id"] = ids[e["classes_source_id"]]
    rapport.comptes["Établissements"] = synchroniser(
        models.Etablissement,
        ("uai",),
        {uai: scolaire.etablissements[uai] for uai in sorted(scolaire.etablissements)},  # type: ignore[arg-type]
        vide=frais,
    )
    annoncer("Écriture des effectifs et des IPS")
    effectifs = {
        (uai, rentree, source_ids[source]): valeurs for (uai, rentree, source), valeurs in scolaire.effectifs.items()
    }
    rapport.comptes["Effectifs"] = synchroniser(
        models.Effectif,
        ("etablissement_id", "rentree", "source_id"),
        effectifs,  # type: ignore[arg-type]
        vide=frais,
    )
    ips = scolaire.ips
    for valeurs in ips.values():
        valeurs[-1] = source_ids[valeurs[-1]]  # the source's code becomes its id
    # Sorted by key: the B-tree indexes then grow at their end (much faster for SQLite).
    # A UAI has 8 characters: "uai" + "rentree" sorts as the (uai, rentree) tuple, with the fast comparison of
    # plain strings (sorting the tuples took 0.3 s).
    rapport.comptes["IPS"] = synchroniser(
        models.IPS,
        ("etablissement_id", "rentree"),
        {cle: ips[cle] for cle in sorted(ips, key="".join)},  # type: ignore[arg-type]
        champs=CHAMPS_IPS,
        vide=frais,
    )
    annoncer("Collectivités compétentes")
    # The établissements just written are resolved; the others only change if a competence did.
    compte = rapport.comptes["Compétences"]
    if compte.crees or compte.modifies:
        autres = avant - scolaire.etablissements.keys()
        if autres:
            rapport.recalcules = recompute_collectivites_competentes(uais=autres)
    resume = {modele: str(compte) for modele, compte in rapport.comptes.items()}
    for source in models.DataSource.objects.filter(code__in=list(sources)):
        log_action(
            source,
            "territoires.datasource.importee",
            data={"empreinte": source.empreinte, "perimetre": source.perimetre, "comptes": resume},
        )
    return rapport
