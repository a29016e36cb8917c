"""Guide steps: an illustration needs its alternative text; it is shown with it."""

from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Collection

from kotje.models import StepBlock

pytestmark = pytest.mark.django_db


@pytest.fixture
def image():
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    buffer = BytesIO()
    PILImage.new("RGB", (40, 30), "navy").save(buffer, "PNG")
    return get_image_model().objects.create(title="Écran du VPN", file=ImageFile(buffer, name="vpn.png"))


def test_step_image_without_alt_is_refused(image):
    block = StepBlock()
    value = block.to_python({"title": "Lancer le VPN", "text": "<p>Ouvrez-le.</p>", "image": image.pk})
    with pytest.raises(ValidationError) as error:
        block.clean(value)
    assert "Décrivez l'illustration en quelques mots" in str(error.value.block_errors["image_alt"])
    value = block.to_python(
        {
            "title": "Lancer le VPN",
            "text": "<p>Ouvrez-le.</p>",
            "image": image.pk,
            "image_alt": "Fenêtre du VPN",
        }
    )
    block.clean(value)


def test_step_image_is_shown_with_its_alt(client, kotje, image):
    kotje.conge.steps = [
        (
            "step",
            {"title": "Lancer", "text": "<p>Ouvrez-le.</p>", "image": image, "image_alt": "Fenêtre du VPN"},
        )
    ]
    kotje.conge.save()
    client.force_login(kotje.cassel_agent)
    html = client.get("/kotje/rh/poser-un-conge/").content.decode()
    assert 'alt="Fenêtre du VPN"' in html and 'class="kotje-step__image"' in html
    url = f"/kotje/illustrations/{kotje.conge.pk}/{image.pk}/"
    assert f'src="{url}"' in html
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    # An image that is not in the guide, or a guide the agent may not read: 404.
    assert client.get(f"/kotje/illustrations/{kotje.bailleul_only.pk}/{image.pk}/").status_code == 404
