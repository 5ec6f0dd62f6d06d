import factory

from comptes import models


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"personne{n}")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    # Hashed before saving: a password set after the save would not be in the database (and force_login's
    # session hash would not match it).
    password = factory.django.Password("motdepasse-demo-2026")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organisation

    nom = factory.Sequence(lambda n: f"Organisation {n}")
    type = models.TypeOrganisation.ASSOCIATION


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = models.Role.MEMBRE_COMITE


def member_of(organisation: models.Organisation, role: str, **user_fields) -> models.User:
    """A new user holding ``role`` in ``organisation``."""
    membership = MembershipFactory(organisation=organisation, role=role, user=UserFactory(**user_fields))
    return membership.user
