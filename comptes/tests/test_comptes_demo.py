"""`make demo` prints one account per role; they log in and act for real organisations."""

from io import StringIO

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from comptes.models import Membership, Organisation, Role, TypeOrganisation, User
from core.models import AuditEntry
from territoires.models import Circonscription, Collectivite, Niveau, Secteur, TypeCollectivite
from territoires.tests.factories import (
    AcademieFactory,
    CollectiviteFactory,
    CommuneFactory,
    DepartementFactory,
    EtablissementFactory,
    RegionFactory,
)


def donnees_importees() -> dict:
    """What `import_territoires` leaves for Rennes, in miniature."""
    region = RegionFactory()
    departement = DepartementFactory()
    academie = AcademieFactory()
    rennes = CommuneFactory(code_insee="35238", nom="Rennes")
    CollectiviteFactory(commune=rennes, nom="Commune de Rennes", code="commune-35238")
    Collectivite.objects.create(
        nom="Département Ille-et-Vilaine",
        type=TypeCollectivite.DEPARTEMENT,
        departement=departement,
        code="departement-35",
    )
    Collectivite.objects.create(nom="Région Bretagne", type=TypeCollectivite.REGION, region=region, code="region-53")
    circonscription = Circonscription.objects.create(code="0352345Y", nom="Rennes Sud", academie=academie)
    Circonscription.objects.create(code="0350000A", nom="Autre circonscription", academie=academie)
    ecole = EtablissementFactory(uai="0350100B", nom="École Jean Zay", commune=rennes, circonscription=circonscription)
    EtablissementFactory(uai="0350200C", nom="École Léon Grimault", commune=rennes)
    EtablissementFactory(
        uai="0350001A", nom="École privée Saint-Joseph", commune=rennes, secteur=Secteur.PRIVE_SOUS_CONTRAT
    )
    EtablissementFactory(uai="0350002A", nom="Collège Échange", commune=rennes, niveau=Niveau.COLLEGE)
    return {"ecole": ecole, "circonscription": circonscription}


def run(fichier) -> str:
    out = StringIO()
    call_command("creer_comptes_demo", fichier=fichier, stdout=out)
    return out.getvalue()


def printed_accounts(output: str) -> dict[str, tuple[str, str]]:
    """identifiant -> (mot de passe, rôle), read from the printed table."""
    accounts = {}
    for line in output.splitlines():
        for user in User.objects.all():
            if f"  {user.username}  " in line:
                role_label = line.split(user.username)[0].strip()
                password = line.split(user.username)[1].split()[0]
                accounts[user.username] = (password, role_label)
    return accounts


@pytest.mark.django_db
def test_one_account_per_role_on_real_organisations(tmp_path):
    monde = donnees_importees()
    output = run(tmp_path / "comptes-demo.txt")

    memberships = Membership.objects.select_related("user", "organisation")
    assert {m.role for m in memberships} == set(Role.values)
    par_identifiant = {m.user.username: m for m in memberships}
    assert par_identifiant["agent.rennes"].organisation.collectivite.code == "commune-35238"
    assert par_identifiant["agent.ille-et-vilaine"].organisation.collectivite.code == "departement-35"
    assert par_identifiant["agent.bretagne"].organisation.collectivite.code == "region-53"
    # The first public école of Rennes by UAI (the private one has a smaller UAI and is skipped).
    assert par_identifiant["directeur.ecole"].organisation.etablissement == monde["ecole"]
    assert par_identifiant["inspecteur.ien"].organisation.circonscription == monde["circonscription"]
    assert par_identifiant["instructeur.rennes"].organisation.academie_id == "14"
    assert par_identifiant["instructeur.rennes"].organisation.nom == "Académie de Rennes"
    assert par_identifiant["dne.national"].organisation.type == TypeOrganisation.MINISTERE
    assert par_identifiant["comite.amrf"].organisation.sigle == "AMRF"
    assert not User.objects.filter(is_staff=True).exists()

    printed = printed_accounts(output)
    assert set(printed) == set(par_identifiant)
    assert printed["agent.rennes"][1] == "Agent de collectivité"
    assert "Commune de Rennes" in output


@pytest.mark.django_db
def test_the_printed_password_logs_in(tmp_path):
    donnees_importees()
    password, _ = printed_accounts(run(tmp_path / "comptes-demo.txt"))["agent.rennes"]
    client = Client()
    response = client.post(reverse("comptes:login"), {"username": "agent.rennes", "password": password})
    assert response.status_code == 302
    assert int(client.session[SESSION_KEY]) == User.objects.get(username="agent.rennes").pk
    page = client.get(reverse("comptes:profil"))
    assert "Commune de Rennes" in page.text
    assert "Agent de collectivité" in page.text
    # The administration is for operators: a demo account is sent to its login page.
    admin = client.get("/gestion/")
    assert admin.status_code == 302
    assert admin["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_a_second_run_changes_nothing_and_prints_the_same_accounts(tmp_path):
    donnees_importees()
    fichier = tmp_path / "comptes-demo.txt"
    first = run(fichier)
    state = (
        list(User.objects.order_by("pk").values_list("pk", "username", "password")),
        list(Membership.objects.order_by("pk").values_list("pk", "user_id", "organisation_id", "role")),
        list(Organisation.objects.order_by("pk").values_list("pk", "nom")),
        AuditEntry.objects.count(),
        fichier.read_text(),
    )
    second = run(fichier)
    assert second == first
    assert state == (
        list(User.objects.order_by("pk").values_list("pk", "username", "password")),
        list(Membership.objects.order_by("pk").values_list("pk", "user_id", "organisation_id", "role")),
        list(Organisation.objects.order_by("pk").values_list("pk", "nom")),
        AuditEntry.objects.count(),
        fichier.read_text(),
    )
    assert AuditEntry.objects.filter(action="comptes.rattachement.accorde").count() == len(Role.values) + 2


@pytest.mark.django_db
def test_a_lost_password_file_gives_new_passwords_that_work(tmp_path):
    donnees_importees()
    fichier = tmp_path / "comptes-demo.txt"
    old = printed_accounts(run(fichier))["dne.national"][0]
    fichier.unlink()
    new = printed_accounts(run(fichier))["dne.national"][0]
    assert new != old
    user = User.objects.get(username="dne.national")
    assert user.check_password(new)
    assert User.objects.count() == 8


@pytest.mark.django_db
def test_partner_organisations_created_elsewhere_are_reused(tmp_path):
    donnees_importees()
    amrf = Organisation.objects.create(
        nom="Association des maires ruraux de France", sigle="AMRF", type=TypeOrganisation.ASSOCIATION
    )
    run(tmp_path / "comptes-demo.txt")
    assert Membership.objects.get(user__username="comite.amrf").organisation == amrf
    assert Organisation.objects.filter(sigle="AMRF").count() == 1


@pytest.mark.django_db
def test_without_imported_data_it_says_to_run_the_import_and_creates_nothing(tmp_path):
    with pytest.raises(CommandError, match="import_territoires"):
        run(tmp_path / "comptes-demo.txt")
    assert not User.objects.exists()
    assert not (tmp_path / "comptes-demo.txt").exists()


@pytest.mark.django_db
def test_without_any_public_ecole_of_rennes_it_fails_clearly_and_creates_nothing(tmp_path):
    donnees_importees()
    from territoires.models import Etablissement

    Etablissement.objects.filter(niveau=Niveau.ECOLE).update(secteur=Secteur.PRIVE_SOUS_CONTRAT)
    with pytest.raises(CommandError, match="Aucune école publique de Rennes"):
        run(tmp_path / "comptes-demo.txt")
    assert not User.objects.exists()
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_a_malformed_password_file_names_the_line(tmp_path):
    donnees_importees()
    fichier = tmp_path / "comptes-demo.txt"
    fichier.write_text("# commentaire\nagent.rennes sans-tabulation\n")
    with pytest.raises(CommandError, match="ligne 2"):
        run(fichier)
    assert not User.objects.exists()
