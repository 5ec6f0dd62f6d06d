"""Factories for territoires: small, coherent territories for unit and view tests."""

import factory

from territoires import models


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Region
        django_get_or_create = ["code"]

    code = "53"
    nom = "Bretagne"


class AcademieFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Academie
        django_get_or_create = ["code"]

    code = "14"
    nom = "Rennes"
    region_academique = factory.SubFactory(RegionFactory)


class DepartementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Departement
        django_get_or_create = ["code"]

    code = "35"
    nom = "Ille-et-Vilaine"
    region = factory.SubFactory(RegionFactory)
    academie = factory.SubFactory(AcademieFactory)


class EPCIFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.EPCI
        django_get_or_create = ["siren"]

    siren = "243500139"
    nom = "Rennes Métropole"
    type = "METRO"


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Commune
        django_get_or_create = ["code_insee"]

    code_insee = factory.Sequence(lambda n: f"35{n % 1000:03d}")
    nom = factory.Sequence(lambda n: f"Commune {n}")
    departement = factory.SubFactory(DepartementFactory)
    epci = factory.SubFactory(EPCIFactory)
    population = 1200
    superficie_km2 = 12


class CollectiviteFactory(factory.django.DjangoModelFactory):
    """The commune as a collectivité (use the ``commune`` argument to choose it)."""

    class Meta:
        model = models.Collectivite

    commune = factory.SubFactory(CommuneFactory)
    nom = factory.LazyAttribute(lambda o: f"Commune de {o.commune.nom}")
    type = models.TypeCollectivite.COMMUNE
    siren = factory.Sequence(lambda n: f"2135{n:05d}")
    code = factory.LazyAttribute(lambda o: f"commune-{o.commune.code_insee}")


class EtablissementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Etablissement

    uai = factory.Sequence(lambda n: f"035{n:04d}A")
    nom = factory.Sequence(lambda n: f"École élémentaire {n}")
    niveau = models.Niveau.ECOLE
    secteur = models.Secteur.PUBLIC
    commune = factory.SubFactory(CommuneFactory)
    departement = factory.LazyAttribute(lambda o: o.commune.departement)
    academie = factory.LazyAttribute(lambda o: o.commune.departement.academie)
    classes = 5
    eleves = 120
