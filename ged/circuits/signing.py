"""PAdES signature of a PDF with the collectivité's certificate (pyHanko), the one adapter of the circuits to
a signing key. It refuses to start without its settings (`ImproperlyConfigured`); `enabled()` says whether
the signature step should sign at all.

Settings (environment, .env.example): CIRCUITS_SIGNING_KEY and CIRCUITS_SIGNING_CERT (PEM files),
CIRCUITS_SIGNING_CHAIN (PEM intermediates, optional), CIRCUITS_SIGNING_PASSPHRASE (optional),
CIRCUITS_SIGNING_VISIBLE (a visible stamp on the first page).

The demo: with DEBUG on and neither CIRCUITS_SIGNING_KEY nor CIRCUITS_SIGNING_CERT set, the key and the
self-signed certificate `seed_demo` generated under VAR_DIR/demo-signature/ are used, so that a
deliberation signed in the demo carries a real PAdES signature (of no legal value: nobody trusts that
certificate). Never in production (DEBUG off), never when either setting names a file."""

import datetime
import io
import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _

DEMO_DIR = "demo-signature"
DEMO_SUBJECT = "Communauté de communes de Flandre Intérieure"  # X.509: at most 64 bytes


def demo_paths() -> tuple[Path, Path]:
    base = Path(settings.VAR_DIR) / DEMO_DIR
    return base / "key.pem", base / "cert.pem"


def _configured() -> tuple[str, str]:
    """The key and certificate files to sign with: the settings', else (DEBUG only) the demo's, else none."""
    key, cert = getattr(settings, "CIRCUITS_SIGNING_KEY", ""), getattr(settings, "CIRCUITS_SIGNING_CERT", "")
    if key or cert:
        return key, cert
    if settings.DEBUG:
        demo_key, demo_cert = demo_paths()
        if demo_key.is_file() and demo_cert.is_file():
            return str(demo_key), str(demo_cert)
    return "", ""


def enabled() -> bool:
    key, cert = _configured()
    return bool(key and cert)


def demo_certificate_ensure() -> Path | None:
    """The demo's key and self-signed certificate under VAR_DIR/demo-signature/, created once (the key
    readable by its owner only). Nothing with DEBUG off or when a signing setting is set; returns the
    certificate's path, or None."""
    if (
        not settings.DEBUG
        or getattr(settings, "CIRCUITS_SIGNING_KEY", "")
        or getattr(settings, "CIRCUITS_SIGNING_CERT", "")
    ):
        return None
    key_path, cert_path = demo_paths()
    if key_path.is_file() and cert_path.is_file():
        return cert_path
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CCFI (démonstration, sans valeur)"),
            x509.NameAttribute(NameOID.COMMON_NAME, DEMO_SUBJECT),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    for path, data, mode in (
        (key_path, key_pem, 0o600),
        (cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644),
    ):
        partial = path.with_name(path.name + ".part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(partial, path)  # the key first, the certificate last: both present means both whole
    return cert_path


def _signer():
    from pyhanko.sign import signers

    key, cert = _configured()
    if not (key and cert):
        raise ImproperlyConfigured("CIRCUITS_SIGNING_KEY and CIRCUITS_SIGNING_CERT are required to sign PDFs")
    chain, passphrase = [], None
    if key == getattr(settings, "CIRCUITS_SIGNING_KEY", ""):  # the demo's own files have neither
        chain = [p for p in (getattr(settings, "CIRCUITS_SIGNING_CHAIN", "") or "").split(",") if p.strip()]
        passphrase = getattr(settings, "CIRCUITS_SIGNING_PASSPHRASE", "") or None
    signer = signers.SimpleSigner.load(
        key,
        cert,
        ca_chain_files=tuple(p.strip() for p in chain) or None,
        key_passphrase=passphrase.encode() if passphrase else None,
    )
    if signer is None:
        raise ImproperlyConfigured("the signing key or certificate could not be read (CIRCUITS_SIGNING_*)")
    return signer


def pades_sign(data: bytes, *, reason: str, name: str, location: str = "") -> bytes:
    """The PDF `data` with a PAdES baseline signature appended (an incremental update: the signed bytes
    stay as they were). A file that is not a readable PDF is refused in French."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import TextStampStyle

    signer = _signer()
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    except (PdfError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise ValidationError(
            _("Ce fichier n'est pas un PDF lisible : il ne peut pas être signé électroniquement.")
        ) from exc
    field_name = f"Signature{sum(1 for _f in fields.enumerate_sig_fields(writer.prev)) + 1}"
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason[:200],
        location=location[:200] or None,
        name=name[:200],
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    if getattr(settings, "CIRCUITS_SIGNING_VISIBLE", False):
        pdf_signer = signers.PdfSigner(
            meta,
            signer=signer,
            stamp_style=TextStampStyle(stamp_text=_("Signé par %(signer)s\nle %(ts)s")),
            new_field_spec=fields.SigFieldSpec(sig_field_name=field_name, box=(36, 36, 286, 96)),
        )
    else:
        pdf_signer = signers.PdfSigner(meta, signer=signer)
    out = io.BytesIO()
    pdf_signer.sign_pdf(writer, output=out)
    return out.getvalue()
