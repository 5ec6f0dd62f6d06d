"""Writes of the diagnostics app: one service per change, in a transaction, with an audit entry.

Views check ``get_abilities`` before calling; services check the data. Bad data raises
``ValidationError`` with a French message and changes nothing. Every inventory change is
followed by the recomputation of the établissement's diagnostic and aggregates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from core.audit import log_action
from territoires.models import Collectivite, Etablissement

from . import calcul, presets
from .importation import LigneLue
from .models import CHAMPS_CONNECTIVITE, Catalogue, Commentaire, Inventaire, LigneInventaire, Prix, PrixCollectivite


def catalogue_charger_initial() -> tuple[Catalogue, bool]:
    """Create version 1 of the price catalogue from domain.md §10, if missing (idempotent)."""
    existant = Catalogue.objects.filter(numero=1).first()
    if existant is not None:
        return existant, False
    with transaction.atomic():
        catalogue = Catalogue.objects.create(
            numero=1,
            titre=presets.CATALOGUE_V1_TITRE,
            notes=presets.CATALOGUE_V1_NOTES,
            publie_le=dt.date.fromisoformat(presets.CATALOGUE_V1_DATE),
        )
        Prix.objects.bulk_create(Prix(catalogue=catalogue, **p) for p in presets.catalogue_v1())
        log_action(catalogue, "diagnostics.catalogue.cree", data={"prix": catalogue.prix.count()})
    return catalogue, True


CHAMPS_PRIX_EDITABLES = ("bas", "typique", "haut", "source", "date_source", "non_confirme")


def catalogue_publier(
    *,
    user: Any,
    titre: str,
    publie_le: dt.date,
    notes: str = "",
    modifications: Mapping[str, Mapping[str, Any]],
) -> Catalogue:
    """Publish a new catalogue version: a copy of the current one with ``modifications`` (item code → fields).

    Every diagnostic is then priced again with it (national recomputation, in the background); older
    diagnostics keep saying which version priced them until then. Raises ``ValidationError`` naming the
    item and the field; nothing is written then.
    """
    courant = Catalogue.objects.order_by("-numero").first()
    if courant is None:
        raise ValidationError("Aucun catalogue en vigueur à copier.")
    if not titre.strip():
        raise ValidationError("Titre : obligatoire.")
    prix = {p.item_code: p for p in courant.prix.all()}
    erreurs = []
    for code, champs in modifications.items():
        if code not in prix:
            erreurs.append(f"Item « {code} » : absent du catalogue en vigueur.")
            continue
        inconnus = set(champs) - set(CHAMPS_PRIX_EDITABLES)
        if inconnus:
            erreurs.append(f"Item « {code} » : champ(s) non modifiable(s) {', '.join(sorted(inconnus))}.")
            continue
        valeurs = {nom: champs.get(nom, getattr(prix[code], nom)) for nom in ("bas", "typique", "haut")}
        for nom, valeur in valeurs.items():
            if valeur is not None and valeur < 0:
                erreurs.append(f"Item « {code} », prix {nom} : doit être positif ou nul.")
        bornes = [v for v in (valeurs["bas"], valeurs["typique"], valeurs["haut"]) if v is not None]
        if bornes != sorted(bornes):
            erreurs.append(f"Item « {code} » : il faut bas ≤ typique ≤ haut.")
    if erreurs:
        raise ValidationError(erreurs)
    with transaction.atomic():
        nouveau = Catalogue.objects.create(
            numero=courant.numero + 1, titre=titre.strip(), notes=notes.strip(), publie_le=publie_le
        )
        copies = []
        for code, p in prix.items():
            copie = Prix(
                catalogue=nouveau,
                **{f.name: getattr(p, f.name) for f in Prix._meta.concrete_fields if f.name not in ("id", "catalogue")},
            )
            for nom, valeur in modifications.get(code, {}).items():
                setattr(copie, nom, valeur)
            copies.append(copie)
        Prix.objects.bulk_create(copies)
        modifies = {
            code: {nom: str(v) if v is not None else None for nom, v in champs.items()}
            for code, champs in modifications.items()
            if any(getattr(prix[code], nom) != v for nom, v in champs.items())
        }
        log_action(
            nouveau,
            "diagnostics.catalogue.publie",
            actor=user,
            data={"numero": nouveau.numero, "depuis": courant.numero, "modifies": modifies},
        )
        from .tasks import recalculer_tout_tache

        transaction.on_commit(recalculer_tout_tache.enqueue)
    return nouveau


def prix_collectivite_definir(
    *, collectivite: Collectivite, item_code: str, montant: Decimal, source: str, date: dt.date, user: Any
) -> PrixCollectivite:
    if montant < 0:
        raise ValidationError("Le prix négocié doit être positif.")
    if not source.strip():
        raise ValidationError("Indiquez la source du prix négocié (marché, devis…).")
    with transaction.atomic():
        prix, _ = PrixCollectivite.objects.update_or_create(
            collectivite=collectivite,
            item_code=item_code,
            defaults={"montant": montant, "source": source.strip(), "date": date},
        )
        log_action(
            collectivite,
            "diagnostics.prix_negocie.defini",
            actor=user,
            data={"item": item_code, "montant": str(montant), "source": source.strip()},
        )
        # The collectivité's diagnostics are priced again (its établissements only).
        for uai in Inventaire.objects.filter(etablissement__collectivite_competente=collectivite).values_list(
            "etablissement_id", flat=True
        ):
            calcul.recalculer_etablissement(uai)
    return prix


def inventaire_modifier(*, etablissement: Etablissement, user: Any, donnees: Mapping[str, Any]) -> Inventaire:
    """Change the connectivity and services of an établissement (creating its inventory if needed)."""
    inconnus = sorted(set(donnees) - set(CHAMPS_CONNECTIVITE))
    if inconnus:
        raise ValidationError(f"Champ inconnu : « {inconnus[0]} ».")
    with transaction.atomic():
        inventaire, _ = Inventaire.objects.select_for_update().get_or_create(etablissement=etablissement)
        avant = {champ: getattr(inventaire, champ) for champ in donnees}
        for champ, valeur in donnees.items():
            setattr(inventaire, champ, valeur)
        inventaire.simule = False
        inventaire.full_clean()
        inventaire.save()
        changes = {c: [avant[c], donnees[c]] for c in donnees if avant[c] != donnees[c]}
        log_action(inventaire, "diagnostics.inventaire.modifie", actor=user, data={"changements": changes})
        calcul.recalculer_etablissement(etablissement.uai)
    return inventaire


def _valider_ligne(ligne: LigneInventaire) -> None:
    try:
        ligne.full_clean(exclude=["etablissement"])
    except ValidationError as exc:
        messages = "; ".join(f"{k} : {' '.join(v)}" for k, v in exc.message_dict.items())
        raise ValidationError(f"Ligne d'inventaire invalide — {messages}") from None


def ligne_ajouter(*, etablissement: Etablissement, user: Any, donnees: Mapping[str, Any]) -> LigneInventaire:
    with transaction.atomic():
        Inventaire.objects.get_or_create(etablissement=etablissement)
        ligne = LigneInventaire(etablissement=etablissement, **donnees)
        _valider_ligne(ligne)
        ligne.save()
        log_action(
            etablissement.inventaire,
            "diagnostics.ligne.ajoutee",
            actor=user,
            data={"ligne": ligne.pk, "item": ligne.item_code, "quantite": ligne.quantite},
        )
        calcul.recalculer_etablissement(etablissement.uai)
    return ligne


def ligne_supprimer(*, ligne: LigneInventaire, user: Any) -> None:
    with transaction.atomic():
        etablissement = ligne.etablissement
        data = {"ligne": ligne.pk, "item": ligne.item_code, "quantite": ligne.quantite}
        ligne.delete()
        inventaire, _ = Inventaire.objects.get_or_create(etablissement=etablissement)
        log_action(inventaire, "diagnostics.ligne.supprimee", actor=user, data=data)
        calcul.recalculer_etablissement(etablissement.uai)


def inventaire_importer(
    *, etablissements: Sequence[Etablissement], lignes: Sequence[LigneLue], user: Any, fichier: str = ""
) -> int:
    """Replace the equipment lines of every établissement of the file by the file's lines, all or nothing.

    The lines were validated by ``importation.lire_fichier`` (no error left); the caller checked that
    the user may edit every établissement named in the file.
    """
    par_uai = {e.uai: e for e in etablissements}
    manquants = sorted({ligne.uai for ligne in lignes} - set(par_uai))
    if manquants:
        raise ValidationError(f"Établissement {manquants[0]} absent de l'import.")
    with transaction.atomic():
        LigneInventaire.objects.filter(etablissement_id__in=list(par_uai)).delete()
        LigneInventaire.objects.bulk_create(
            LigneInventaire(
                etablissement_id=ligne.uai,
                item_code=ligne.item_code,
                designation=ligne.designation,
                quantite=ligne.quantite,
                emplacement=ligne.emplacement,
                emplacement_detail=ligne.emplacement_detail,
                annee_acquisition=ligne.annee_acquisition,
                etat=ligne.etat,
                numero_serie=ligne.numero_serie,
            )
            for ligne in lignes
        )
        for uai, etablissement in par_uai.items():
            inventaire, _ = Inventaire.objects.get_or_create(etablissement=etablissement)
            if inventaire.simule:
                inventaire.simule = False
                inventaire.save(update_fields=["simule", "modifie_le"])
            n = sum(1 for ligne in lignes if ligne.uai == uai)
            log_action(inventaire, "diagnostics.inventaire.importe", actor=user, data={"fichier": fichier, "lignes": n})
            calcul.recalculer_etablissement(uai)
    return len(lignes)


def _valider_glpi(ligne: LigneInventaire, numero: int) -> None:
    try:
        ligne.full_clean(exclude=["etablissement"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        champs = "; ".join(f"{nom} : {' '.join(m)}" for nom, m in exc.message_dict.items())
        raise ValidationError(f"Objet {numero} du fichier GLPI ({ligne.numero_serie}) : {champs}") from None


def inventaire_glpi_reconcilier(
    *, etablissement: Etablissement, lignes: Sequence[LigneLue], user: Any, fichier: str = ""
) -> tuple[int, int]:
    """Apply a GLPI inventory, all or nothing: a known serial number updates its line, a new one adds a line.

    Returns (lines added, lines updated). Lines without a serial number and lines absent from the file are kept
    (the latter are reported by ``selectors.glpi_plan`` and listed in the audit entry).
    """
    from .selectors import glpi_plan

    with transaction.atomic():
        inventaire, _ = Inventaire.objects.select_for_update().get_or_create(etablissement=etablissement)
        plan = glpi_plan(etablissement, list(lignes))
        for lue, ligne in plan["mises_a_jour"]:
            ligne.item_code = lue.item_code
            ligne.designation = lue.designation or ligne.designation
            ligne.annee_acquisition = lue.annee_acquisition or ligne.annee_acquisition
            ligne.simule = False
            _valider_glpi(ligne, lue.numero)
            ligne.save()
        nouvelles = []
        for lue in plan["ajouts"]:
            ligne = LigneInventaire(
                etablissement=etablissement,
                item_code=lue.item_code,
                designation=lue.designation,
                quantite=1,
                emplacement=lue.emplacement,
                annee_acquisition=lue.annee_acquisition,
                etat=lue.etat,
                numero_serie=lue.numero_serie,
            )
            _valider_glpi(ligne, lue.numero)
            nouvelles.append(ligne)
        LigneInventaire.objects.bulk_create(nouvelles)
        ajoutees, mises_a_jour = len(nouvelles), len(plan["mises_a_jour"])
        if inventaire.simule:
            inventaire.simule = False
            inventaire.save(update_fields=["simule", "modifie_le"])
        log_action(
            inventaire,
            "diagnostics.inventaire.glpi",
            actor=user,
            data={
                "fichier": fichier,
                "ajoutees": ajoutees,
                "mises_a_jour": mises_a_jour,
                "absentes_du_fichier": [ligne.numero_serie for ligne in plan["absentes"]],
            },
        )
        calcul.recalculer_etablissement(etablissement.uai)
    return ajoutees, mises_a_jour


def commentaire_ajouter(*, etablissement: Etablissement, user: Any, texte: str) -> Commentaire:
    texte = texte.strip()
    if not texte:
        raise ValidationError("Le commentaire est vide.")
    if len(texte) > 5000:
        raise ValidationError("Le commentaire dépasse 5 000 caractères.")
    with transaction.atomic():
        commentaire = Commentaire.objects.create(etablissement=etablissement, auteur=user, texte=texte)
        log_action(etablissement, "diagnostics.commentaire.ajoute", actor=user, data={"commentaire": commentaire.pk})
    return commentaire


# Simulating this many établissements at once refreshes the planner's statistics of the inventory tables.
SEUIL_ANALYSE = 1000


def inventaires_simuler(
    *, etablissements: Any, seed: int = 2019, user: Any = None, unitaire: bool = False
) -> tuple[int, int]:
    """Write simulated inventories (``simulation.simuler``) for ``etablissements`` (a queryset).

    Idempotent: the simulated lines of those établissements are replaced; an établissement with a
    real inventory is skipped. Returns (établissements simulated, lines written). Recompute after.
    """
    from territoires.models import Departement

    from .simulation import simuler

    annee = dt.date.today().year
    reels = set(Inventaire.objects.filter(simule=False).values_list("etablissement_id", flat=True))
    cibles = [
        row
        for row in etablissements.values_list("uai", "niveau", "classes", "eleves", "departement_id").order_by("uai")
        if row[0] not in reels
    ]
    uais = [row[0] for row in cibles]
    n_lignes = 0
    with transaction.atomic():
        for debut in range(0, len(uais), 5000):
            lot = uais[debut : debut + 5000]
            LigneInventaire.objects.filter(etablissement_id__in=lot).delete()
            Inventaire.objects.filter(etablissement_id__in=lot).delete()
        inventaires: list[Inventaire] = []
        lignes: list[LigneInventaire] = []
        for uai, niveau, classes, eleves, _ in cibles:
            sim = simuler(uai, niveau, classes, eleves, seed=seed, annee=annee, unitaire=unitaire)
            inventaires.append(
                Inventaire(
                    etablissement_id=uai,
                    debit_mbits=sim.debit_mbits,
                    salles_connectees=sim.salles_connectees,
                    couverture_wifi=sim.couverture_wifi,
                    internet_direction=sim.internet_direction,
                    ent=sim.ent,
                    filtrage=sim.filtrage,
                    charte=sim.charte,
                    accompagnement=sim.accompagnement,
                    maintenance=sim.maintenance,
                    simule=True,
                )
            )
            lignes.extend(
                LigneInventaire(
                    etablissement_id=uai,
                    item_code=ligne.item_code,
                    designation=ligne.designation,
                    quantite=ligne.quantite,
                    emplacement=ligne.emplacement,
                    emplacement_detail=ligne.emplacement_detail,
                    annee_acquisition=ligne.annee_acquisition,
                    etat=ligne.etat,
                    simule=True,
                )
                for ligne in sim.lignes
            )
            if len(lignes) >= 20_000:
                LigneInventaire.objects.bulk_create(lignes, batch_size=5000)
                n_lignes += len(lignes)
                lignes = []
        LigneInventaire.objects.bulk_create(lignes, batch_size=5000)
        n_lignes += len(lignes)
        Inventaire.objects.bulk_create(inventaires, batch_size=5000)
        if len(cibles) >= SEUIL_ANALYSE:
            # Millions of lines at once: the planner's statistics must count them before the recomputation reads
            # them (with the old ones PostgreSQL's grouping of the lines spilled to disk: 3.1 s instead of 1.3 s).
            with connection.cursor() as cursor:
                for modele in (LigneInventaire, Inventaire):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(modele._meta.db_table)}")
        par_departement: dict[str, int] = {}
        for row in cibles:
            par_departement[row[4]] = par_departement.get(row[4], 0) + 1
        for departement in Departement.objects.filter(code__in=list(par_departement)):
            log_action(
                departement,
                "diagnostics.inventaire.simule",
                actor=user,
                data={"etablissements": par_departement[departement.code], "graine": seed},
            )
    return len(cibles), n_lignes
