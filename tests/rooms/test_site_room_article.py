"""Pages that name a site or a room after « de » contract the article stored on it (issue 19 part 8)."""

import pytest
from django.urls import reverse

from rooms.models import Site

pytestmark = pytest.mark.django_db


def test_site_pages_say_du_siege_and_de_l_hotel(client, world):
    Site.objects.filter(pk=world.siege.pk).update(name="Siège communautaire", article="le")
    Site.objects.filter(pk=world.cassel.pk).update(article="l'")
    client.force_login(world.agent)
    index = client.get(reverse("rooms:index")).content.decode()
    assert "Planning du Siège communautaire" in index
    assert "Planning de l&#x27;Hôtel Sockeel" in index
    day = client.get(reverse("rooms:site", args=[world.cassel.slug])).content.decode()
    assert "<h1>Planning de l&#x27;Hôtel Sockeel</h1>" in day


def test_room_week_caption_uses_the_room_article(client, world):
    world.small.article = "la"
    world.small.save(update_fields=["article"])
    client.force_login(world.agent)
    html = client.get(reverse("rooms:room", args=[world.small.pk])).content.decode()
    assert "Occupation de la Petite salle par heure et par jour" in html


def test_english_page_keeps_its_own_preposition(client, world):
    Site.objects.filter(pk=world.siege.pk).update(article="le")
    client.force_login(world.agent)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("rooms:index")).content.decode()
    assert "Planning du Siège" not in html
    assert "du Siège" not in html
