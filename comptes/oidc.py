"""ProConnect login (OpenID Connect), through mozilla-django-oidc.

Enabled when ``OIDC_RP_CLIENT_ID`` and ``OIDC_OP_AUTHORIZATION_ENDPOINT`` are set (see ``socle/settings.py``).
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from .models import User


class ProConnectBackend(OIDCAuthenticationBackend):
    """Finds or creates the person who logged in with ProConnect.

    The person is found by the stable ProConnect identifier (claim ``sub``, kept in ``User.oidc_sub``), else by
    e-mail (an existing local account is then linked to ProConnect), else a new account is created with the names
    given by ProConnect (``given_name``, ``usual_name``).

    ProConnect says who the person is, never what they may do: **no membership is granted from the OIDC claims**
    (not even from ``siret``). An operator grants memberships in the administration; until then the person has the
    rights of any logged-in visitor.
    """

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get("sub")) and bool(claims.get("email"))

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[User]:
        by_sub = User.objects.filter(oidc_sub=claims["sub"])
        if by_sub.exists():
            return by_sub
        by_email = User.objects.filter(email__iexact=claims["email"])
        if by_email.exclude(oidc_sub=None).exists():
            # The address belongs to an account already linked to another ProConnect identity: taking it over
            # from a new identity would hand someone else's account to whoever controls that identity.
            raise SuspiciousOperation("Cette adresse est déjà liée à une autre identité ProConnect.")
        return by_email

    def create_user(self, claims: dict[str, Any]) -> User:
        user = User(
            username=self.get_username(claims),
            email=claims["email"],
            oidc_sub=claims["sub"],
            first_name=(claims.get("given_name") or "")[:150],
            last_name=(claims.get("usual_name") or claims.get("family_name") or "")[:150],
        )
        user.set_unusable_password()
        user.save()
        return user

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        changes = {
            "oidc_sub": claims["sub"],
            "first_name": (claims.get("given_name") or user.first_name)[:150],
            "last_name": (claims.get("usual_name") or claims.get("family_name") or user.last_name)[:150],
        }
        changed = [field for field, value in changes.items() if getattr(user, field) != value]
        for field in changed:
            setattr(user, field, changes[field])
        if changed:
            user.save(update_fields=changed)
        return user

    def get_username(self, claims: dict[str, Any]) -> str:
        """The e-mail address, lower-cased; suffixed when a local account already uses it as identifier."""
        base = claims["email"].strip().lower()[:140]
        username, n = base, 1
        while User.objects.filter(username=username).exists():
            n += 1
            username = f"{base}-{n}"
        return username


class ProConnectCallbackView(OIDCAuthenticationCallbackView):
    """Back from ProConnect: on failure, return to the login page and say so (instead of the home page)."""

    @property
    def failure_url(self) -> str:
        return reverse("comptes:login")

    def login_failure(self) -> HttpResponse:
        messages.error(
            self.request,
            "La connexion avec ProConnect n'a pas abouti. Réessayez, ou contactez l'équipe de Socle si le problème "
            "persiste.",
        )
        return super().login_failure()
