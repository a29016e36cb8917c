#!/usr/bin/env python3
"""Render the intranet's one nginx template (deploy/nginx/intranet.conf.template).

Production (TLS, server name, system paths; prints the site file for /etc/nginx/sites-available/):

    scripts/render_nginx.py production --server-name intranet.ccfi.example --workers 4 \\
        > /etc/nginx/sites-available/intranet

    Options and their defaults: --worker-base-port 8001 (workers on 8001, 8002...),
    --var-dir /srv/intranet/var (static/ and media/ inside),
    --ged-storage-root (default VAR_DIR/media/ged, as the application),
    --certificate /etc/ssl/intranet/fullchain.pem, --certificate-key /etc/ssl/intranet/privkey.pem,
    --dav-address 127.0.0.1:8010, --max-body-mb (default ASGI_BODY_MAX_MB from the environment, else
    GED_MAX_UPLOAD_MB + 16, else 516: the application's own limit), --ged-accel-prefix /_ged_blobs/,
    --s3-endpoint and --s3-nginx-prefix (default: S3_ENDPOINT_URL and S3_NGINX_PREFIX from the environment
    when S3_PROXY_THROUGH_NGINX is true; otherwise no S3 relay location).

Loopback (scripts/shape.py and the deployment test use it through `render_loopback`): the same template with
loopback ports, temporary paths and a throwaway certificate, plus one pinned port per worker (the same
server, proxying to that worker only) so that a test can choose which worker serves a request.

Standard library only: it runs before the virtualenv exists.
"""

import argparse
import grp
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "nginx" / "intranet.conf.template"
_PLACEHOLDER = re.compile(r"\{\{ ([a-z0-9_]+) \}\}")


class RenderError(ValueError):
    pass


def default_max_body_mb() -> int:
    """The application's request body limit (intranet/settings/ged.py: ASGI_BODY_MAX_MB)."""
    if os.environ.get("ASGI_BODY_MAX_MB"):
        return int(os.environ["ASGI_BODY_MAX_MB"])
    return int(os.environ.get("GED_MAX_UPLOAD_MB") or 500) + 16


def render(values: dict[str, str], template: Path = TEMPLATE) -> str:
    """The template with every placeholder filled; a missing or unknown value is an error, never a blank."""
    text = template.read_text(encoding="utf-8")
    wanted = set(_PLACEHOLDER.findall(text))
    missing = sorted(wanted - values.keys())
    if missing:
        raise RenderError(f"valeurs manquantes pour le gabarit nginx : {', '.join(missing)}")
    unknown = sorted(values.keys() - wanted)
    if unknown:
        raise RenderError(f"valeurs inconnues du gabarit nginx : {', '.join(unknown)}")
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), text)


def _prefix(value: str) -> str:
    if not value.startswith("/") or not value.endswith("/") or len(value) < 3:
        raise RenderError(f"le préfixe « {value} » doit commencer et finir par « / »")
    return value


def _servers(addresses: list[str]) -> str:
    return "\n".join(f"    server {a} max_fails=1 fail_timeout=10s;" for a in addresses)


def s3_relay_location(prefix: str, endpoint: str) -> str:
    """The internal location that relays a download's presigned GET to the bucket (S3_PROXY_THROUGH_NGINX):
    the view answers `X-Accel-Redirect: <prefix>/<bucket>/<key>?<signed query>`; nginx strips the prefix and
    sends the path and query unchanged to the store, with the endpoint's own Host (the signature covers it)
    and the client's Range. Buffered in memory only (1 MiB per download, never a temporary file): unbuffered,
    nginx would forward each few-KiB read from the store as its own HTTP/2 frame and TLS record (B3a: a third
    more CPU for the same bytes)."""
    prefix = prefix.rstrip("/")
    if not prefix.startswith("/") or len(prefix) < 2:
        raise RenderError(f"le préfixe S3 « {prefix} » doit commencer par « / » (S3_NGINX_PREFIX)")
    match = re.fullmatch(r"(https?)://([^/]+)/?", endpoint.strip())
    if not match:
        raise RenderError(f"adresse S3 « {endpoint} » : attendu http(s)://hôte[:port] (S3_ENDPOINT_URL)")
    scheme, host = match.groups()
    return f"""
    # Objects of the S3 bucket, reachable only through X-Accel-Redirect from the download view
    # (S3_PROXY_THROUGH_NGINX=true, S3_NGINX_PREFIX={prefix}): the presigned GET relayed to S3_ENDPOINT_URL.
    location {prefix}/ {{
        internal;
        proxy_pass {scheme}://{host}/;
        proxy_set_header Host {host};
        proxy_set_header Authorization "";
        proxy_set_header Cookie "";
        proxy_set_header Range $http_range;
        proxy_set_header If-Range $http_if_range;
        # In memory, never on disk: nginx reads the store in 128 KiB buffers and sends full TLS records;
        # when the client is slower, it stops reading the store rather than spooling to a temporary file.
        # (proxy_buffering off would send every few-KiB read as its own frame and TLS record.)
        proxy_buffering on;
        proxy_buffer_size 16k;
        proxy_buffers 8 128k;
        proxy_busy_buffers_size 256k;
        proxy_max_temp_file_size 0;
        proxy_hide_header Set-Cookie;
        proxy_hide_header X-Request-ID;
        add_header X-Content-Type-Options nosniff always;
        add_header Content-Security-Policy "sandbox; default-src 'none'; frame-ancestors 'none'" always;
        add_header X-Request-ID $request_id always;
    }}
"""


def site_values(
    *,
    workers: list[str],
    listen: list[str],
    server_name: str,
    certificate: str,
    certificate_key: str,
    static_root: str,
    media_root: str,
    ged_blob_root: str,
    ged_accel_prefix: str,
    dav_address: str,
    access_log: str,
    max_body_mb: int,
    pinned: dict[int, str] | None = None,
    http_redirect: str = "",
    s3_relay: str = "",
) -> dict[str, str]:
    if not workers:
        raise RenderError("il faut au moins un processus ASGI (--workers)")
    pinned = pinned or {}
    pinned_upstreams = "".join(
        f"upstream intranet_asgi_{i} {{\n    server {address};\n    keepalive 4;\n}}\n"
        for i, address in enumerate(pinned.values(), start=1)
    )
    pinned_ports = "\n".join(f"    {port} intranet_asgi_{i};" for i, port in enumerate(pinned, start=1))
    listen_lines = [f"    listen {address} ssl http2;" for address in listen]
    listen_lines += [f"    listen 127.0.0.1:{port} ssl http2;" for port in pinned]
    return {
        "upstream_servers": _servers(workers),
        "pinned_upstreams": pinned_upstreams,
        "pinned_ports": pinned_ports,
        "dav_address": dav_address,
        "http_redirect": http_redirect,
        "listen": "\n".join(listen_lines),
        "server_name": server_name,
        "ssl_certificate": certificate,
        "ssl_certificate_key": certificate_key,
        "access_log": access_log,
        "client_max_body_size": f"{int(max_body_mb)}m",
        "static_root": static_root.rstrip("/"),
        "ged_accel_prefix": _prefix(ged_accel_prefix),
        "ged_blob_root": ged_blob_root.rstrip("/"),
        "media_root": media_root.rstrip("/"),
        "s3_relay": s3_relay,
    }


def render_production(args) -> str:
    var_dir = args.var_dir.rstrip("/")
    media_root = f"{var_dir}/media"
    storage_root = (args.ged_storage_root or f"{media_root}/ged").rstrip("/")
    redirect = (
        "\nserver {\n    listen 80;\n    listen [::]:80;\n"
        f"    server_name {args.server_name};\n    return 301 https://$host$request_uri;\n}}\n"
    )
    values = site_values(
        workers=[f"127.0.0.1:{args.worker_base_port + i}" for i in range(args.workers)],
        listen=["443", "[::]:443"],
        server_name=args.server_name,
        certificate=args.certificate,
        certificate_key=args.certificate_key,
        static_root=f"{var_dir}/static",
        media_root=media_root,
        ged_blob_root=f"{storage_root}/blobs",
        ged_accel_prefix=args.ged_accel_prefix,
        dav_address=args.dav_address,
        access_log="/var/log/nginx/intranet.access.log",
        max_body_mb=args.max_body_mb,
        http_redirect=redirect,
        s3_relay=s3_relay_location(args.s3_nginx_prefix, args.s3_endpoint) if args.s3_nginx_prefix else "",
    )
    return render(values)


def render_loopback(
    *,
    workdir: Path,
    port: int,
    workers: list[str],
    pinned_ports: list[int],
    var_dir: Path,
    ged_storage_root: Path,
    certificate: Path,
    certificate_key: Path,
    dav_address: str,
    ged_accel_prefix: str = "/_ged_blobs/",
    max_body_mb: int | None = None,
    s3_relay: tuple[str, str] | None = None,
) -> Path:
    """Write the site and a main nginx.conf (the part Debian's /etc/nginx/nginx.conf plays in production)
    into `workdir`; return the main file, for `nginx -p workdir -c <it>`. `s3_relay`: (S3_NGINX_PREFIX,
    S3_ENDPOINT_URL) to add the bucket's relay location."""
    workdir = Path(workdir)
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    values = site_values(
        workers=workers,
        listen=[f"127.0.0.1:{port}"],
        server_name="127.0.0.1 localhost",
        certificate=str(certificate),
        certificate_key=str(certificate_key),
        static_root=str(Path(var_dir) / "static"),
        media_root=str(Path(var_dir) / "media"),
        ged_blob_root=str(Path(ged_storage_root) / "blobs"),
        ged_accel_prefix=ged_accel_prefix,
        dav_address=dav_address,
        access_log=str(workdir / "logs" / "access.log"),
        max_body_mb=max_body_mb if max_body_mb is not None else default_max_body_mb(),
        pinned=dict(zip(pinned_ports, workers, strict=True)),
        s3_relay=s3_relay_location(*s3_relay) if s3_relay else "",
    )
    site = workdir / "intranet.conf"
    site.write_text(render(values), encoding="utf-8")
    main = workdir / "nginx.conf"
    # Started as root, nginx's workers would run as nobody: give them the group of the files the application
    # writes, as production puts www-data in the intranet group (docs/deployment.md).
    user = f"user nobody {grp.getgrgid(os.getegid()).gr_name};" if os.geteuid() == 0 else ""
    main.write_text(
        f"""# Main context for a loopback nginx (scripts/shape.py); the site is the rendered template.
{user}
daemon off;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/logs/error.log warn;
events {{
    worker_connections 4096;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    server_tokens off;
    client_body_temp_path {workdir}/client_body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    include {site};
}}
""",
        encoding="utf-8",
    )
    return main


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    prod = sub.add_parser(
        "production", help="le site pour /etc/nginx/sites-available/ (TLS, chemins système)"
    )
    prod.add_argument("--server-name", required=True)
    prod.add_argument("--workers", type=int, default=4)
    prod.add_argument("--worker-base-port", type=int, default=8001)
    prod.add_argument("--var-dir", default="/srv/intranet/var")
    prod.add_argument("--ged-storage-root", default="")
    prod.add_argument("--ged-accel-prefix", default="/_ged_blobs/")
    prod.add_argument("--certificate", default="/etc/ssl/intranet/fullchain.pem")
    prod.add_argument("--certificate-key", default="/etc/ssl/intranet/privkey.pem")
    prod.add_argument("--dav-address", default="127.0.0.1:8010")
    prod.add_argument("--max-body-mb", type=int, default=None)
    relayed = os.environ.get("S3_PROXY_THROUGH_NGINX", "").lower() in ("1", "true", "yes", "on")
    prod.add_argument("--s3-nginx-prefix", default=os.environ.get("S3_NGINX_PREFIX", "") if relayed else "")
    prod.add_argument("--s3-endpoint", default=os.environ.get("S3_ENDPOINT_URL", ""))
    args = parser.parse_args(argv)
    if args.max_body_mb is None:
        args.max_body_mb = default_max_body_mb()
    try:
        sys.stdout.write(render_production(args))
    except RenderError as exc:
        print(f"render_nginx: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
