"""Notifications of the dossier transitions, sent in the daily digest of the comité app (reused, not duplicated).

On each transition (``signals.dossier_transition``, sent after commit), every person concerned by the dossier gets
one pending ``comite.Notification``: the agents of the collectivité, the instructeurs of its académie, the IEN of
the circonscriptions of its schools and their directeurs — not the person who made the change.
``manage.py envoyer_digest`` then sends each person one e-mail a day with all their pending notifications.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from comptes.models import Membership, Role

from .models import Dossier, EtatDossier, Projet

PREFIXE_CODE = "appels.dossier."


def ids_personnes_concernees(dossier: Dossier) -> list[int]:
    """The ids of the active users concerned by ``dossier`` (collectivité, académie, IEN of the circonscriptions
    of its schools, directeurs of its schools), in one query: the schools are a subquery on its projets."""
    projets = Projet.objects.filter(dossier_id=dossier.pk)
    return list(
        Membership.objects.filter(
            Q(role=Role.AGENT_COLLECTIVITE, organisation__collectivite_id=dossier.collectivite_id)
            | Q(role=Role.INSTRUCTEUR, organisation__academie_id=dossier.academie_id)
            | Q(
                role=Role.INSPECTEUR,
                organisation__circonscription_id__in=projets.filter(
                    etablissement__circonscription_id__isnull=False
                ).values("etablissement__circonscription_id"),
            )
            | Q(role=Role.DIRECTEUR, organisation__etablissement_id__in=projets.values("etablissement_id")),
            user__is_active=True,
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )


def personnes_concernees(dossier: Dossier) -> list[Any]:
    """The users concerned by ``dossier``: collectivité, académie, IEN and directeurs of its schools."""
    return list(get_user_model().objects.filter(pk__in=ids_personnes_concernees(dossier)).order_by("pk"))


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
