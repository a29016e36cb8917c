"""/ops/metrics counts the Document Server's forgotten files (asked through the command service, cached), and
says when the command service does not answer instead of reporting zero."""

import pytest

from ged.onlyoffice import metrics as oo_metrics

pytestmark = pytest.mark.django_db


@pytest.fixture
def it_client(client, make_user):
    client.force_login(make_user(superuser=True))
    oo_metrics.cache_clear()
    yield client
    oo_metrics.cache_clear()


def test_forgotten_files_are_counted_from_the_document_server(it_client, settings, ds_sim):
    settings.ONLYOFFICE_URL = ds_sim.url
    settings.ONLYOFFICE_JWT_SECRET = ds_sim.secret
    settings.ONLYOFFICE_JWT_HEADER = ds_sim.header
    ds_sim.forgotten.extend(
        [{"key": "k1", "url": ds_sim.url + "/f/1"}, {"key": "k2", "url": ds_sim.url + "/f/2"}]
    )
    text = it_client.get("/ops/metrics").content.decode()
    assert "intranet_onlyoffice_command_up 1" in text
    assert "intranet_onlyoffice_forgotten_files 2" in text
    # Cached: one more forgotten file is seen after CACHE_SECONDS, not at once.
    ds_sim.forgotten.append({"key": "k3", "url": ds_sim.url + "/f/3"})
    assert "intranet_onlyoffice_forgotten_files 2" in it_client.get("/ops/metrics").content.decode()
    oo_metrics.cache_clear()
    assert "intranet_onlyoffice_forgotten_files 3" in it_client.get("/ops/metrics").content.decode()


def test_a_silent_document_server_is_not_reported_as_zero_forgotten_files(it_client, settings):
    settings.ONLYOFFICE_URL = "http://127.0.0.1:9"  # discard port: nobody answers
    settings.ONLYOFFICE_JWT_SECRET = "x" * 40
    settings.ONLYOFFICE_TIMEOUT = 2
    text = it_client.get("/ops/metrics").content.decode()
    assert "intranet_onlyoffice_command_up 0" in text
    assert "intranet_onlyoffice_forgotten_files" not in text


def test_no_metric_when_onlyoffice_is_off(it_client, settings):
    settings.ONLYOFFICE_URL = ""
    assert "onlyoffice" not in it_client.get("/ops/metrics").content.decode()
