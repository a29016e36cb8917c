"""PAdES signature of a PDF with the collectivité's certificate (pyHanko), the one adapter of the circuits to
a signing key. It refuses to start without its settings (`ImproperlyConfigured`); `enabled()` says whether
the signature step should sign at all.

Settings (environment, .env.example): CIRCUITS_SIGNING_KEY and CIRCUITS_SIGNING_CERT (PEM files),
CIRCUITS_SIGNING_CHAIN (PEM intermediates, optional), CIRCUITS_SIGNING_PASSPHRASE (optional),
CIRCUITS_SIGNING_VISIBLE (a visible stamp on the first page)."""

import io

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _


def enabled() -> bool:
    return bool(
        getattr(settings, "CIRCUITS_SIGNING_KEY", "") and getattr(settings, "CIRCUITS_SIGNING_CERT", "")
    )


def _signer():
    from pyhanko.sign import signers

    key, cert = getattr(settings, "CIRCUITS_SIGNING_KEY", ""), getattr(settings, "CIRCUITS_SIGNING_CERT", "")
    if not (key and cert):
        raise ImproperlyConfigured("CIRCUITS_SIGNING_KEY and CIRCUITS_SIGNING_CERT are required to sign PDFs")
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
