"""The agent edits their own profile; directory-owned fields are read-only with a note saying where to ask."""

from datetime import timedelta

import pytest
from django.utils import timezone

from intranet.audit.models import AccessEvent

pytestmark = pytest.mark.django_db

URL = "/annuaire/moi/modifier/"


def valid_data(**overrides):
    data = {
        "what_i_do": "J'instruis les permis et j'accompagne les porteurs de projet.",
        "contact_me_for": "Un permis de construire.",
        "skills": "cadastre, SIG, droit de l'urbanisme",
        "office_days": ["1", "3"],
        "office": "Siège – Hazebrouck, 1er étage",
        "absent_until": "",
        "backup_contact": "",
        # A local account's form also has these (a directory account's form ignores them).
        "job_title": "Instructrice du droit des sols",
        "phone": "03 28 50 12 34",
        "mobile": "",
    }
    data.update(overrides)
    return data


def test_agent_edits_own_profile(helene_client, chart):
    """A valid form saves, audits and leads back to the profile, which shows the change."""
    response = helene_client.post(URL, valid_data())
    assert response.status_code == 302 and response["Location"] == "/annuaire/helene.lefebvre/"
    chart.helene.refresh_from_db()
    assert chart.helene.what_i_do.startswith("J'instruis les permis et j'accompagne")
    assert chart.helene.office_days == [1, 3]
    assert chart.helene.absent_until is None and chart.helene.backup_contact is None
    assert sorted(t.name for t in chart.helene.skills.all()) == ["SIG", "cadastre", "droit de l'urbanisme"]
    event = AccessEvent.objects.get(action="people.profile_update")
    assert event.actor == chart.helene and event.object_id == str(chart.helene.pk)
    assert event.extra["fields"] == [
        "absent_until",
        "backup_contact",
        "contact_me_for",
        "office_days",
        "skills",
        "what_i_do",
    ]
    html = helene_client.get(response["Location"]).content.decode()
    assert "Votre profil est enregistré." in html and "j&#x27;accompagne les porteurs" in html


def test_form_shows_current_values(helene_client, chart):
    """Current values; skills in alphabetical order, ignoring case."""
    html = helene_client.get(URL).content.decode()
    assert "J&#x27;instruis les permis de construire" in html
    assert 'value="cadastre, SIG"' in html
    assert 'name="office_days" value="1" id="id_office_days_0" checked' in html
    assert 'name="office_days" value="3" id="id_office_days_2">' in html
    assert f'<option value="{chart.paul.pk}" selected>Paul Dewitte</option>' in html
    # Oneself and leavers are not offered as backup.
    assert (
        f'<option value="{chart.helene.pk}"' not in html and f'<option value="{chart.leaver.pk}"' not in html
    )


def test_absence_in_the_past_is_refused_and_input_kept(helene_client, chart):
    """A return date already past is refused with a French message; everything typed stays in the form."""
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    data = valid_data(what_i_do="Texte tout neuf", absent_until=yesterday)
    response = helene_client.post(URL, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "La date de retour est déjà passée" in html
    assert "Texte tout neuf" in html and f'value="{yesterday}"' in html
    chart.helene.refresh_from_db()
    assert chart.helene.what_i_do.startswith("J'instruis les permis de construire")

    today = timezone.localdate().isoformat()
    assert helene_client.post(URL, valid_data(absent_until=today)).status_code == 302
    chart.helene.refresh_from_db()
    assert chart.helene.absent_until == timezone.localdate()


@pytest.mark.parametrize("who", ["self", "leaver"])
def test_backup_contact_must_be_an_active_colleague(helene_client, chart, who):
    """Oneself or a leaver as backup contact is refused with a clear message; a colleague is accepted."""
    forged = chart.helene if who == "self" else chart.leaver
    response = helene_client.post(URL, valid_data(backup_contact=forged.pk))
    assert response.status_code == 400
    assert "autre que vous-même" in response.content.decode()
    chart.helene.refresh_from_db()
    assert chart.helene.backup_contact == chart.paul

    assert helene_client.post(URL, valid_data(backup_contact=chart.noel.pk)).status_code == 302
    chart.helene.refresh_from_db()
    assert chart.helene.backup_contact == chart.noel


def test_bad_date_gets_french_message(helene_client, chart):
    response = helene_client.post(URL, valid_data(absent_until="31/02/2030"))
    assert response.status_code == 400
    assert "Saisissez une date valide" in response.content.decode()


def test_too_many_skills_are_refused(helene_client, chart):
    skills = ", ".join(f"compétence {i}" for i in range(25))
    response = helene_client.post(URL, valid_data(skills=skills))
    assert response.status_code == 400 and "au plus 20 compétences" in response.content.decode()
    assert helene_client.post(URL, valid_data(skills="SIG")).status_code == 302


def test_directory_account_sees_owned_fields_read_only(client, chart):
    """For an account from LDAP, names, e-mail, phone, title, department, manager and employer are shown, not
    editable, with the note telling where to ask; posting them changes nothing."""
    helene = chart.helene
    helene.ldap_dn = "uid=helene.lefebvre,ou=people,dc=ccfi,dc=example"
    helene.save()
    client.force_login(helene)
    html = client.get(URL).content.decode()
    assert (
        "Ces informations viennent de l'annuaire de la collectivité : demandez leur modification au "
        "service Ressources humaines ou au service Systèmes d'information."
    ) in html
    assert "Instructrice du droit des sols" in html and "03 28 50 12 34" in html
    for name in ("job_title", "phone", "mobile", "first_name", "last_name", "email", "department", "manager"):
        assert f'name="{name}"' not in html
    response = client.post(URL, valid_data(job_title="Directrice", phone="0600000000", first_name="X"))
    assert response.status_code == 302
    helene.refresh_from_db()
    assert helene.job_title == "Instructrice du droit des sols" and helene.phone == "03 28 50 12 34"
    assert helene.first_name == "Hélène"


def test_local_account_may_edit_title_and_phones(helene_client, chart):
    """A local account has no directory to keep its title and phones: the agent edits them; names, e-mail,
    department stay read-only."""
    html = helene_client.get(URL).content.decode()
    assert "compte local" in html
    assert 'name="job_title"' in html and 'name="phone"' in html and 'name="first_name"' not in html
    response = helene_client.post(URL, valid_data(job_title="Instructrice ADS", phone="03 28 50 99 99"))
    assert response.status_code == 302
    chart.helene.refresh_from_db()
    assert chart.helene.job_title == "Instructrice ADS" and chart.helene.phone == "03 28 50 99 99"


def test_there_is_no_url_to_edit_someone_else():
    """The edit page only ever edits the logged-in agent: it takes no username."""
    from django.urls import resolve

    assert resolve(URL).url_name == "profile_edit" and not resolve(URL).kwargs


def test_skills_read_and_write_without_quotes(helene_client, chart):
    """Names with spaces are shown as typed (no taggit quotes); duplicates and stray quotes are dropped."""
    response = helene_client.post(URL, valid_data(skills='gestion de projet, "SIG", sig,  droit   public ,'))
    assert response.status_code == 302
    assert sorted(t.name for t in chart.helene.skills.all()) == ["SIG", "droit public", "gestion de projet"]
    html = helene_client.get(URL).content.decode()
    assert 'value="droit public, gestion de projet, SIG"' in html
    assert "&quot;" not in html.split('name="skills"')[1].split(">")[0]
