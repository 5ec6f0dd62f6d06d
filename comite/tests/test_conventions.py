"""The conventions registry: documents are PDF only, with a size limit, and a clear message otherwise."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from comite import services
from comite.models import Convention, DocumentConvention

from .conftest import connecter, texte
from .factories import PDF_MINIMAL

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def cadre(monde):
    cadre = Convention.objects.create(titre="Convention-cadre", type="cadre", statut="signee")
    cadre.signataires.set([monde.orgs["DNE"], monde.orgs["AMF"]])
    return cadre


def test_a_pdf_is_stored_and_served_to_members_only(client, monde, cadre):
    document = services.convention_document_deposer(
        convention=cadre,
        titre="Texte signé",
        fichier=SimpleUploadedFile("cadre.pdf", PDF_MINIMAL, content_type="application/pdf"),
        actor=monde.users["dne"],
    )
    assert document.taille == len(PDF_MINIMAL)
    url = f"/comite/documents/{document.pk}/"
    assert client.get(url).status_code == 302  # anonymous: to the login page
    connecter(client, monde.users["membre_amrf"])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_MINIMAL


@pytest.mark.parametrize(
    ("nom", "contenu", "message"),
    [
        ("cadre.docx", b"PK\x03\x04 word", "n'est pas un PDF"),
        ("faux.pdf", b"<html>pas un pdf</html>", "n'est pas un PDF"),
        ("vide.pdf", b"", "est vide"),
        ("gros.pdf", PDF_MINIMAL + b"0" * 2048, "taille maximale"),
    ],
)
def test_a_wrong_file_is_refused_with_a_clear_message(monde, cadre, nom, contenu, message):
    with pytest.raises(ValidationError, match=message):
        services.convention_document_deposer(
            convention=cadre,
            titre="Document",
            fichier=SimpleUploadedFile(nom, contenu),
            actor=monde.users["dne"],
            max_octets=1024,
        )
    assert not DocumentConvention.objects.exists()


def test_only_the_secretariat_uploads(monde, cadre):
    with pytest.raises(PermissionDenied):
        services.convention_document_deposer(
            convention=cadre,
            titre="Document",
            fichier=SimpleUploadedFile("a.pdf", PDF_MINIMAL),
            actor=monde.users["membre_amrf"],
        )
    assert not DocumentConvention.objects.exists()


def test_upload_page_shows_the_message(client, monde, cadre):
    connecter(client, monde.users["dne"])
    response = client.post(
        cadre.get_absolute_url(),
        {"titre": "Annexe", "fichier": SimpleUploadedFile("annexe.odt", b"PK\x03\x04")},
        follow=True,
    )
    assert "« annexe.odt » n'est pas un PDF : seuls les documents PDF sont acceptés." in texte(response)
    assert not DocumentConvention.objects.exists()
    response = client.post(
        cadre.get_absolute_url(),
        {"titre": "Annexe", "fichier": SimpleUploadedFile("annexe.pdf", PDF_MINIMAL)},
        follow=True,
    )
    assert "Le document est déposé." in texte(response)
    assert "Annexe" in texte(response)
