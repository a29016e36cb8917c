"""`user_profile_update`: only the agent changes their own profile, never a directory-owned field."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from intranet.audit.models import AccessEvent
from intranet.people.profile_actions import user_profile_update

pytestmark = pytest.mark.django_db


def test_someone_else_cannot_update_a_profile(chart):
    """Another agent, even the manager, is refused; the agent themself is not."""
    with pytest.raises(PermissionDenied):
        user_profile_update(user=chart.helene, actor=chart.director, what_i_do="Autre chose")
    chart.helene.refresh_from_db()
    assert chart.helene.what_i_do.startswith("J'instruis")
    user_profile_update(user=chart.helene, actor=chart.helene, what_i_do="Autre chose")
    chart.helene.refresh_from_db()
    assert chart.helene.what_i_do == "Autre chose"


def test_directory_owned_fields_are_refused_for_directory_accounts(chart):
    """A directory account's title is the directory's; a local account's is the agent's."""
    chart.helene.ldap_dn = "uid=helene.lefebvre,ou=people,dc=ccfi,dc=example"
    chart.helene.save()
    with pytest.raises(ValidationError) as exc:
        user_profile_update(user=chart.helene, actor=chart.helene, job_title="Directrice")
    assert "service Ressources humaines" in str(exc.value)
    with pytest.raises(ValidationError):
        user_profile_update(user=chart.noel, actor=chart.noel, department=chart.urbanisme)

    user_profile_update(user=chart.noel, actor=chart.noel, job_title="Chargé de mission logement")
    chart.noel.refresh_from_db()
    assert chart.noel.job_title == "Chargé de mission logement"


def test_refusals_write_nothing(chart):
    """Past return date, oneself or a leaver as backup, bad days: one error per field, nothing saved."""
    with pytest.raises(ValidationError) as exc:
        user_profile_update(
            user=chart.noel,
            actor=chart.noel,
            what_i_do="Nouveau",
            absent_until=timezone.localdate() - timedelta(days=1),
            backup_contact=chart.noel,
            office_days=[6],
        )
    assert set(exc.value.message_dict) == {"absent_until", "backup_contact", "office_days"}
    chart.noel.refresh_from_db()
    assert chart.noel.what_i_do == ""
    with pytest.raises(ValidationError) as exc:
        user_profile_update(user=chart.noel, actor=chart.noel, backup_contact=chart.leaver)
    assert "quitté la collectivité" in str(exc.value)
    assert not AccessEvent.objects.filter(action="people.profile_update").exists()


def test_too_long_value_is_refused_and_instance_left_clean(chart):
    with pytest.raises(ValidationError):
        user_profile_update(user=chart.noel, actor=chart.noel, office="x" * 201)
    assert chart.noel.office == ""


def test_nothing_changed_writes_nothing(chart, django_assert_num_queries):
    """Saving the same values neither writes nor audits."""
    helene = chart.helene
    skills = [t.name for t in helene.skills.all()]
    # The savepoint of the action's transaction, its release, and the current skills to compare.
    with django_assert_num_queries(3):
        user_profile_update(user=helene, actor=helene, what_i_do=helene.what_i_do, skills=skills)
    assert not AccessEvent.objects.filter(action="people.profile_update").exists()


def test_skills_are_trimmed_and_deduplicated(chart):
    user_profile_update(user=chart.noel, actor=chart.noel, skills=["  SIG ", "sig", "Habitat  indigne"])
    assert sorted(t.name for t in chart.noel.skills.all()) == ["Habitat indigne", "SIG"]
