"""The deploy check that the ASGI workers get uvicorn's C HTTP parser and event loop (B4)."""

from unittest import mock

from intranet.checks import check_asgi_server_speedups


def test_installed_speedups_raise_no_warning():
    assert check_asgi_server_speedups(None) == []


def test_missing_speedups_are_named():
    real = __import__("importlib.util").util.find_spec

    def find_spec(name, *args, **kwargs):
        return None if name == "httptools" else real(name, *args, **kwargs)

    with mock.patch("importlib.util.find_spec", side_effect=find_spec):
        [warning] = check_asgi_server_speedups(None)
    assert warning.id == "intranet.W002"
    assert warning.msg.startswith("httptools absent")
