"""scripts/render_nginx.py: the one template rendered for production, coherent with the application's
settings, and the guide pointing at that file. No server needed: runs on both backends."""

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def render_nginx():
    sys.path.insert(0, str(ROOT / "scripts"))
    spec = importlib.util.spec_from_file_location("render_nginx", ROOT / "scripts" / "render_nginx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_production_rendering_is_tls_with_every_worker_and_the_applications_limits(render_nginx, capsys):
    from django.conf import settings

    assert render_nginx.main(["production", "--server-name", "intranet.ccfi.example", "--workers", "3"]) == 0
    site = capsys.readouterr().out
    assert "{{" not in site and "}}" not in site
    assert re.findall(r"server 127\.0\.0\.1:(800\d) ", site) == ["8001", "8002", "8003"]
    assert "listen 443 ssl http2;" in site and "return 301 https://$host$request_uri;" in site
    assert "server_name intranet.ccfi.example;" in site
    # The body limit is the application's (ASGI_BODY_MAX_MB), the blob location is the GED's prefix.
    assert f"client_max_body_size {settings.ASGI_BODY_MAX_MB}m;" in site
    assert (
        "location /_ged_blobs/ {\n        internal;\n        alias /srv/intranet/var/media/ged/blobs/;"
        in site
    )
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site and "proxy_request_buffering off;" in site
    # No pinned test port in production: every request goes to the whole upstream.
    assert "intranet_asgi_1" not in site


def test_a_missing_value_is_refused_not_left_blank(render_nginx, capsys):
    with pytest.raises(render_nginx.RenderError, match="ssl_certificate"):
        render_nginx.render({"server_name": "x"})
    assert render_nginx.main(["production", "--server-name", "x", "--ged-accel-prefix", "blobs"]) == 2
    assert "préfixe" in capsys.readouterr().err


def test_the_deployment_guide_ships_the_template_file():
    guide = (ROOT / "docs" / "deployment.md").read_text()
    assert "deploy/nginx/intranet.conf.template" in guide and "scripts/render_nginx.py" in guide
    # One configuration: the guide does not carry a second copy of the site inline.
    assert "upstream intranet_asgi {" not in guide


def test_s3_relay_location_is_rendered_only_when_asked(render_nginx, capsys):
    argv = ["production", "--server-name", "intranet.ccfi.example"]
    assert render_nginx.main(argv) == 0
    assert "/_s3" not in capsys.readouterr().out
    assert (
        render_nginx.main([*argv, "--s3-nginx-prefix", "/_s3", "--s3-endpoint", "http://10.0.0.5:8333"]) == 0
    )
    site = capsys.readouterr().out
    assert "location /_s3/ {\n        internal;\n        proxy_pass http://10.0.0.5:8333/;" in site
    assert "proxy_set_header Host 10.0.0.5:8333;" in site and 'proxy_set_header Authorization "";' in site
    assert render_nginx.main([*argv, "--s3-nginx-prefix", "/_s3", "--s3-endpoint", "s3.example"]) == 2
    assert "S3_ENDPOINT_URL" in capsys.readouterr().err
