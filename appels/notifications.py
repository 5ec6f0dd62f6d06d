"""Notifications of the dossier transitions, sent in the daily digest of the comité app (reused, not duplicated).

On each transition (``signals.dossier_transition``, sent after commit), every person concerned by the dossier gets
one pending ``comite.Notification``: the agents of the collectivité, the instructeurs of its académie, the IEN of
the circonscriptions of its schools and their directeurs — not the person who made the change.
``manage.py envoyer_digest`` then sends each person one e-mail a day with all their pending notifications.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection

from comptes.models import Membership, Organisation, Role
from territoires.models import Etablissement

from .models import Dossier, EtatDossier, Projet

PREFIXE_CODE = "appels.dossier."


def ids_personnes_concernees(dossier: Dossier) -> list[int]:
    """The ids of the active users concerned by ``dossier`` (agents of its collectivité, instructeurs of its
    académie, IEN of the circonscriptions of its schools, directeurs of its schools), in one query.

    Written in SQL (portable: SQLite and PostgreSQL) because it runs after every transition, deposits of the
    deadline surge included, and building the same query through the ORM cost more than running it.
    """
    m, o = Membership._meta.db_table, Organisation._meta.db_table
    u, p, e = get_user_model()._meta.db_table, Projet._meta.db_table, Etablissement._meta.db_table
    sql = f"""
        SELECT DISTINCT m.user_id FROM {m} m
        JOIN {o} o ON o.id = m.organisation_id
        JOIN {u} u ON u.id = m.user_id
        WHERE u.is_active = %s AND (
            (m.role = %s AND o.collectivite_id = %s)
            OR (m.role = %s AND o.academie_id = %s)
            OR (m.role = %s AND o.circonscription_id IN (
                SELECT e.circonscription_id FROM {p} p JOIN {e} e ON e.uai = p.etablissement_id
                WHERE p.dossier_id = %s AND e.circonscription_id IS NOT NULL))
            OR (m.role = %s AND o.etablissement_id IN (SELECT p.etablissement_id FROM {p} p WHERE p.dossier_id = %s))
        )
        ORDER BY m.user_id
    """  # noqa: S608 (table names from the models; every value is a parameter)
    parametres = [
        True,
        Role.AGENT_COLLECTIVITE.value, dossier.collectivite_id,
        Role.INSTRUCTEUR.value, dossier.academie_id,
        Role.INSPECTEUR.value, dossier.pk,
        Role.DIRECTEUR.value, dossier.pk,
    ]  # fmt: skip
    with connection.cursor() as curseur:
        curseur.execute(sql, parametres)
        return [ligne[0] for ligne in curseur.fetchall()]


def texte_transition(dossier: Dossier, transition: str) -> str:
    texte = (
        f"Appel « {dossier.appel.titre} » — dossier n° {dossier.pk} ({dossier.collectivite}) : "
        f"{EtatDossier(transition).label.lower()}"
    )
    if dossier.motif:
        texte += f". Motif : {dossier.motif}"
    return texte[:500]


def notifier_transition(*, dossier: Dossier, transition: str, acteur: Any = None, **kwargs: Any) -> int:
    """Queue one digest notification per concerned person (the acteur excepted); returns how many."""
    from comite.models import Notification

    acteur_id = getattr(acteur, "pk", None)
    texte = texte_transition(dossier, transition)
    code, lien = f"{PREFIXE_CODE}{transition}", dossier.get_absolute_url()
    notifications = [
        Notification(destinataire_id=pk, code=code, texte=texte, lien=lien)
        for pk in ids_personnes_concernees(dossier)
        if pk != acteur_id
    ]
    if notifications:
        Notification.objects.bulk_create(notifications)
    return len(notifications)
