"""Directory search: every word must match a name, job, skill, department or employer; accents and case are
ignored; only active agents are listed."""

import pytest

from intranet.people.queries import DirectoryFilters, accent_pattern, directory_page, fold

from .conftest import usernames

pytestmark = pytest.mark.django_db


def search(**kwargs) -> list[str]:
    return usernames(directory_page(DirectoryFilters(**kwargs), 1))


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("helene", ["helene.lefebvre"]),  # accent-insensitive
        ("HÉLÈNE", ["helene.lefebvre"]),
        ("lefeb", ["helene.lefebvre"]),  # part of a name
        ("noel vanhee", ["noel.vanhee"]),  # ë and é typed without accents, two words
        ("anaïs", ["anais.decool"]),
    ],
)
def test_agent_finds_colleague_by_name(chart, q, expected):
    """A name is found whatever accents and case the agent types."""
    assert search(q=q) == expected


def test_agent_finds_colleagues_by_job_title(chart):
    """The job title is searched: « secretaire » finds the town hall secretary."""
    assert search(q="secretaire") == ["anais.decool"]
    assert search(q="droit des sols") == ["helene.lefebvre"]  # the leaver with the same job is not listed


def test_agent_finds_colleagues_by_skill_once_each(chart):
    """A skill finds every active agent who has it, each listed once."""
    assert search(q="sig") == ["paul.dewitte", "helene.lefebvre"]
    assert search(q="etat civil") == ["anais.decool"]
    assert search(q="cadastre") == ["helene.lefebvre"]  # the leaver has it too


def test_agent_finds_colleagues_by_department_or_direction(chart):
    """The department's name and its direction's name are searched."""
    assert search(q="urbanisme") == ["paul.dewitte", "helene.lefebvre"]
    assert set(search(q="amenagement")) == {
        "francois.deswarte",
        "helene.lefebvre",
        "noel.vanhee",
        "paul.dewitte",
    }


def test_agent_finds_colleagues_by_commune(chart):
    """The employer's name is searched: « bailleul » lists the commune's agents."""
    assert search(q="bailleul") == ["anais.decool"]
    assert search(q="ccfi sig") == [
        "paul.dewitte",
        "helene.lefebvre",
    ]  # short name, and every word must match


def test_filters_by_department_include_sub_services_and_by_employer(chart):
    """The department filter takes sub-services in; the employer filter keeps the employer's agents."""
    assert set(search(department=chart.amenagement.slug)) == {
        "francois.deswarte",
        "helene.lefebvre",
        "noel.vanhee",
        "paul.dewitte",
    }
    assert search(department=chart.habitat.slug) == ["noel.vanhee"]
    assert search(employer=chart.bailleul.pk) == ["anais.decool"]
    assert search(q="sig", employer=chart.bailleul.pk) == []


def test_leaver_is_never_listed(chart):
    """An inactive account is not in the directory, even by its exact username."""
    assert search(q="leo.parti") == []
    assert "leo.parti" not in search()
    assert len(search()) == 5


@pytest.mark.parametrize("q", ["a.b", "(", "[x", "*", "\\", "'", "a|b", "$^", "100%", "l'aménagement"])
def test_punctuation_in_query_is_literal(chart, q):
    """Regular-expression characters typed by an agent are searched literally and never crash the page."""
    search(q=q)  # no error on either database


def test_apostrophes_match_both_forms(chart):
    assert "francois.deswarte" in search(q="l’aménagement")


def test_fold_and_pattern():
    assert fold("Hélène Çà ÿ Œuvre") == "helene ca y oeuvre"
    assert accent_pattern("e.") == "[eéèêëEÉÈÊË]\\."


def test_search_query_count_does_not_grow_with_results(chart, make_user, django_assert_num_queries):
    """One COUNT, one page SELECT, one prefetch of the page's skills, whatever the number of agents."""
    # Warm the content type cache used by the tags relation.
    list(directory_page(DirectoryFilters(q="sig"), 1).object_list)
    with django_assert_num_queries(3):
        list(directory_page(DirectoryFilters(q="sig"), 1).object_list)
    for i in range(15):
        user = make_user(f"sig{i}", job_title="Géomaticien", department=chart.urbanisme, employer=chart.host)
        user.skills.set(["SIG", f"compétence {i}"])
    with django_assert_num_queries(3):
        page = directory_page(DirectoryFilters(q="sig"), 1)
        assert len(page.object_list) == 17
        assert all(len(u.skills.all()) >= 1 for u in page.object_list)


def test_ligatures_match_their_letters(chart, make_user):
    """« oe » typed on a keyboard finds « œ » in the directory, and the other way round."""
    make_user("j.boeuf", first_name="Jeanne", last_name="Bœuf")
    make_user("m.coeur", first_name="Marc", last_name="Coeur")
    assert search(q="boeuf") == ["j.boeuf"]
    assert search(q="BŒUF") == ["j.boeuf"]
    assert search(q="cœur") == ["m.coeur"]
