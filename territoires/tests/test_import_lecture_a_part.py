"""The school files read by a child process: the same tables, the same messages and the same database as read here."""

import os

import pytest
from django.apps import apps
from django.core.management import CommandError

from territoires.importers import lecture_a_part as module
from territoires.importers.etablissements import COLONNES_IPS, _preparer_ips
from territoires.importers.lecture_a_part import lecture_a_part, lire_ici
from territoires.tests.test_import_fichiers import ETABLISSEMENTS, IPS_ECOLES, ecrire_mini, importer

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork: the files are always read in this process")

AVEC_IPS = {"ips_ecoles_2022_2025.csv.gz": IPS_ECOLES, "etablissements_geolocalises_2026.csv.gz": ETABLISSEMENTS}


def lectures(dossier):
    ips = (dossier / "ips.csv", COLONNES_IPS, ["rentree", "uai", "ips"], _preparer_ips)  # what is derived comes too
    return {
        "bon": ips,
        "tronque": (dossier / "tronque.csv", *ips[1:]),
        "guillemets": (dossier / "guillemets.csv", *ips[1:]),  # the line of a row is found in the file's text
        "absent": (dossier / "absent.csv", *ips[1:]),
    }


def ecrire(dossier):
    (dossier / "ips.csv").write_text(IPS_ECOLES)
    (dossier / "tronque.csv").write_text(IPS_ECOLES[:-40])  # the last line lacks fields
    entete, premiere, *autres = IPS_ECOLES.splitlines(keepends=True)
    (dossier / "guillemets.csv").write_text("".join([entete, premiere.replace("35,", '"3\n5",', 1), *autres]))


def decrire(table, erreurs):
    colonnes = None if table is None else (table.colonnes, [table.ligne(i) for i in range(table.n)], table.derives)
    return colonnes, erreurs.messages, erreurs.par_fichier


def _espionner_les_enfants(monkeypatch) -> list[module._Enfant]:
    """Every child the module starts (the real ``_Enfant``, recorded)."""
    enfants: list[module._Enfant] = []

    class Enregistre(module._Enfant):
        def __init__(self, lectures):
            super().__init__(lectures)
            enfants.append(self)

    monkeypatch.setattr(module, "_Enfant", Enregistre)
    return enfants


def test_a_child_process_reads_what_this_process_reads(tmp_path, monkeypatch):
    ecrire(tmp_path)
    ici = {code: decrire(*lire_ici(lecture)) for code, lecture in lectures(tmp_path).items()}
    assert ici["bon"][0] is not None and not ici["bon"][1]
    assert "ligne 3 : 4 champs au lieu de 9" in ici["tronque"][1][0]
    assert "lecture impossible" in ici["absent"][1][0]
    assert ici["guillemets"][0][1] == [3, 4]
    assert ici["bon"][0][2] == {"uais_valides": ["0350122T"]}
    enfants = _espionner_les_enfants(monkeypatch)
    # Every file present: a child reads them (a missing file sends the reading here, which names it).
    presentes = {code: lecture for code, lecture in lectures(tmp_path).items() if code != "absent"}
    avant = os.getpid()
    with lecture_a_part(presentes, seuil=0) as lue:
        a_part = {code: decrire(*lue(code)) for code in presentes}
    assert len(enfants) == 1
    assert a_part == {code: ici[code] for code in presentes}
    with lecture_a_part(presentes, seuil=0) as lue:  # asked in another order than sent: kept until asked
        a_rebours = {code: decrire(*lue(code)) for code in reversed(list(presentes))}
    assert a_rebours == a_part
    assert enfants[-1].fichier.closed
    assert os.getpid() == avant
    with lecture_a_part(lectures(tmp_path), seuil=0) as lue:
        assert decrire(*lue("absent")) == ici["absent"]
    assert len(enfants) == 2


def test_without_a_temporary_file_the_files_are_read_here(tmp_path, monkeypatch):
    ecrire(tmp_path)
    presentes = {code: lecture for code, lecture in lectures(tmp_path).items() if code != "absent"}
    ici = {code: decrire(*lire_ici(lecture)) for code, lecture in presentes.items()}

    def plein(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(module.tempfile, "TemporaryFile", plein)
    enfants = _espionner_les_enfants(monkeypatch)
    with lecture_a_part(presentes, seuil=0) as lue:
        assert {code: decrire(*lue(code)) for code in presentes} == ici
    assert enfants == []


def test_leaving_before_reading_stops_the_child(tmp_path, monkeypatch):
    ecrire(tmp_path)
    enfants = _espionner_les_enfants(monkeypatch)
    presentes = {code: lecture for code, lecture in lectures(tmp_path).items() if code != "absent"}
    with pytest.raises(RuntimeError), lecture_a_part(presentes, seuil=0):
        raise RuntimeError("a territory file is bad")
    (enfant,) = enfants
    pid = enfant.pid
    assert enfant.fichier.closed
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # killed and reaped: not left behind (other tests may leave other children)


def lignes_des_territoires() -> dict[str, int]:
    return {m._meta.db_table: m.objects.count() for m in apps.get_app_config("territoires").get_models()}


@pytest.mark.django_db
def test_an_import_reading_in_a_child_process_writes_the_same_database(tmp_path, monkeypatch):
    ecrire_mini(tmp_path, **AVEC_IPS)
    importer(tmp_path)
    ici = lignes_des_territoires()
    monkeypatch.setattr(module, "SEUIL_OCTETS", 0)
    enfants = _espionner_les_enfants(monkeypatch)
    assert "IPS : 0 créé(s), 0 modifié(s), 2 inchangé(s)" in importer(tmp_path, "--force")
    assert len(enfants) == 1
    assert lignes_des_territoires() == ici
    mauvais = IPS_ECOLES.replace("2023-2024,35,0350122T", "2023-2024,35,0350122X")
    ecrire_mini(tmp_path, **{**AVEC_IPS, "ips_ecoles_2022_2025.csv.gz": mauvais})
    with pytest.raises(CommandError) as exc:
        importer(tmp_path)
    assert "ips_ecoles_2022_2025.csv.gz, ligne 3, colonne « uai » : code UAI « 0350122X » invalide" in str(exc.value)
    assert lignes_des_territoires() == ici


@pytest.mark.django_db
@pytest.mark.parametrize("seuil", [None, 0], ids=["ici", "a-part"])
def test_the_coordinates_parsed_where_the_list_is_read_keep_their_messages_and_order(tmp_path, monkeypatch, seuil):
    # The coordinates of a list file are parsed where it is read (the child process, or here): their errors come
    # after the reading's and before those of the rows, as when they were parsed with the rows.
    lignes = ETABLISSEMENTS.splitlines(keepends=True)
    lignes[1] = lignes[1].replace("48.021014", "abc")
    lignes[2] = lignes[2].replace("0350122T", "0350122X").replace("-1.929490", "-200")
    ecrire_mini(tmp_path, **{"etablissements_geolocalises_2026.csv.gz": "".join(lignes) + "0350024L,tronquée\n"})
    if seuil is not None:
        monkeypatch.setattr(module, "SEUIL_OCTETS", seuil)
    enfants = _espionner_les_enfants(monkeypatch)
    with pytest.raises(CommandError) as exc:
        importer(tmp_path)
    assert len(enfants) == (0 if seuil is None else 1)
    fichier = "etablissements_geolocalises_2026.csv.gz"
    attendus = [
        f"{fichier}, ligne 5 : 2 champs au lieu de 13 (ligne incomplète : fichier tronqué ?)",
        f"{fichier}, ligne 2, colonne « latitude » : coordonnée attendue, lu « abc »",
        f"{fichier}, ligne 3, colonne « longitude » : coordonnée hors limites : -200",
        f"{fichier}, ligne 3, colonne « uai » : code UAI « 0350122X » invalide",
    ]
    message = str(exc.value)
    positions = [message.find(m) for m in attendus]
    assert -1 not in positions, message
    assert positions == sorted(positions)
