"""Payslip writes: a payroll deposit (split, match, store, notify), the quarantine's resolution, leaver links.

A deposit is atomic: every file is split and every page matched first, outside any transaction (temp files
only); then one transaction stores the blobs and writes the batch, the payslips, the quarantine and the
audit events. A corrupted PDF stops the deposit before anything is written.
"""

import contextlib
import datetime
import hashlib
import io
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, F
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ged import storage
from ged.extractors import limit_self
from ged.models import Blob
from ged.uploads import StagedFile
from intranet import dashboard
from intranet.audit.actions import audit_delete, client_ip
from intranet.audit.choices import Result
from intranet.audit.models import AccessEvent
from intranet.notifications.actions import notify
from intranet.outbox.actions import outbox_add

from .choices import QuarantineOutcome, QuarantineReason
from .models import Batch, LeaverLink, Payslip, QuarantinePage

logger = logging.getLogger(__name__)

DASHBOARD_TOPIC = "payslips"
NOTIFY_VERB = "payslips.deposit"
LEAVER_REFUSED_VERB = "payslips.leaver_refused"
LEAVER_MAIL_KIND = "payslips.leaver_mail"
LEAVER_SALT = "ged.payslips.leaver"
SAFE_OBJECT = "ged_payslips.safe"  # audit events of an agent's safe: object_id is the agent's id


# --- Audit ---------------------------------------------------------------------------------------------


def _events(
    action: str, *, actor, request, agent_ids_extras: list[tuple[int, dict]], result: str = Result.SUCCESS
) -> None:
    """Audit events of an agent's safe, written in one INSERT (a deposit writes one per agent; the fields are
    those `intranet.audit.actions.audit_record` writes). The agent reads them on « Journal de mon coffre »."""
    label = actor.get_username() if actor is not None else ""
    ip = client_ip(request)
    agent = (request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300]
    AccessEvent.objects.bulk_create(
        [
            AccessEvent(
                actor=actor,
                actor_label=label[:150],
                action=action,
                object_type=SAFE_OBJECT,
                object_id=str(agent_id),
                result=result,
                ip=ip,
                user_agent=agent,
                extra=extra,
            )
            for agent_id, extra in agent_ids_extras
        ]
    )


def audit_download(*, request, payslips: list[Payslip], action: str = "payslips.download") -> None:
    _events(
        action,
        actor=request.user if request.user.is_authenticated else None,
        request=request,
        agent_ids_extras=[(p.agent_id, {"payslip": p.pk, "period": f"{p.period:%Y-%m}"}) for p in payslips],
    )


# --- Splitting and matching ----------------------------------------------------------------------------


@dataclass
class Page:
    source_name: str
    number: int  # 1-based, in its file: the first page of this payslip
    path: str  # a temp file holding this payslip alone
    sha256: str
    size: int
    found: list[str] = field(default_factory=list)  # registration numbers read (known or not)
    agent_id: int | None = None
    reason: str = ""
    page_count: int = 1  # consecutive pages with the same number are one payslip


def matricule_pattern() -> re.Pattern:
    return re.compile(settings.PAYSLIPS_MATRICULE_REGEX)


def numbers_in(text: str, pattern: re.Pattern | None = None) -> list[str]:
    """Registration numbers the pattern finds, in order, without repeats (group 1 if the pattern has one)."""
    pattern = pattern or matricule_pattern()
    seen: dict[str, None] = {}
    for match in pattern.finditer(text or ""):
        value = (match.group(1) if pattern.groups else match.group(0)).strip()
        if value:
            seen.setdefault(value, None)
    return list(seen)


def corrupted_message(name: str) -> str:
    return _("Le fichier « %(name)s » n'est pas un PDF lisible : dépôt refusé, rien n'a été enregistré.") % {
        "name": name
    }


def _limit_pdftotext() -> None:
    limit_self(max(1, int(settings.GED_EXTRACT_TIMEOUT_S)), settings.GED_EXTRACT_MEMORY_MB * 1024 * 1024)


def pdftotext_pages(path: str, count: int) -> list[str] | None:
    """Each page's text from one `pdftotext` run (poppler, at C speed: a 500-page payroll in a fraction of
    what pypdf's `extract_text` takes page by page), bounded in time, CPU and memory like the GED's text
    extractors. None when the tool is missing, fails, runs out of its limits or does not give exactly one
    text per page (it ends each page with a form feed); the caller then reads each page with pypdf."""
    tool = shutil.which("pdftotext")
    if not tool:
        return None
    try:
        result = subprocess.run(  # noqa: S603  (fixed tool, our own staged path, no shell)
            [tool, "-q", "-enc", "UTF-8", path, "-"],
            capture_output=True,
            timeout=float(settings.GED_EXTRACT_TIMEOUT_S),
            check=False,
            stdin=subprocess.DEVNULL,
            preexec_fn=_limit_pdftotext,  # noqa: PLW1509  (only setrlimit in the child)
        )
    except (subprocess.TimeoutExpired, OSError):
        return None
    if result.returncode != 0:
        return None
    texts = result.stdout.decode("utf-8", "replace").split("\f")
    if texts and not texts[-1].strip():
        texts.pop()  # what follows the last page's form feed
    return texts if len(texts) == count else None


def split_pages(staged: StagedFile, pattern: re.Pattern) -> list[Page]:
    """The payslips of one checked PDF, each as a PDF in the store's temp dir, with the numbers read from its
    text (or, when the text has none, from the file name). Consecutive pages carrying the same one number
    are one payslip (a two-page payslip, or a file per agent); any other page stands alone. Raises
    ValidationError on a corrupted PDF, after removing what it wrote."""
    from pypdf import PdfReader, PdfWriter  # noqa: PLC0415 - only deposits need it
    from pypdf.errors import PyPdfError  # noqa: PLC0415

    pages: list[Page] = []
    name_numbers = numbers_in(os.path.splitext(staged.name)[0], pattern)
    try:
        reader = PdfReader(staged.path, strict=False)
        if reader.is_encrypted:
            raise ValidationError(
                _("Le fichier « %(name)s » est protégé par un mot de passe : déposez-le sans protection.")
                % {"name": staged.name}
            )
        count = len(reader.pages)
        if count == 0:
            raise ValidationError(corrupted_message(staged.name))
        runs: list[tuple[int, list[str], list]] = []  # (first page number, numbers, pages)
        texts = pdftotext_pages(staged.path, count)
        for index in range(count):
            page = reader.pages[index]
            text = texts[index] if texts is not None else page.extract_text()
            found = numbers_in(text or "", pattern) or name_numbers
            if runs and len(found) == 1 and runs[-1][1] == found:
                runs[-1][2].append(page)
            else:
                runs.append((index + 1, found, [page]))
        for first, found, run in runs:
            writer = PdfWriter()
            for page in run:
                writer.add_page(page)
            buffer = io.BytesIO()
            writer.write(buffer)
            data = buffer.getvalue()
            tmp = storage.new_temp_file()
            with tmp:
                tmp.write(data)
            pages.append(
                Page(
                    source_name=staged.name,
                    number=first,
                    path=tmp.name,
                    sha256=hashlib.sha256(data).hexdigest(),
                    size=len(data),
                    found=found,
                    page_count=len(run),
                )
            )
    except ValidationError:
        discard_pages(pages)
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError):
        discard_pages(pages)
        raise ValidationError(corrupted_message(staged.name)) from None
    return pages


def discard_pages(pages: list[Page]) -> None:
    for page in pages:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(page.path)


def match_pages(pages: list[Page]) -> None:
    """Set each payslip's agent, or its quarantine reason. A payslip (one page, or consecutive pages with the
    same number) is delivered only when exactly one known registration number appears on it and no other
    payslip of the batch carries the same one."""
    numbers = {n for page in pages for n in page.found}
    known = dict(
        get_user_model()
        .objects.filter(registration_number__in=numbers, is_active=True)
        .values_list("registration_number", "pk")
    )
    by_agent: dict[int, list[Page]] = {}
    for page in pages:
        mine = [n for n in page.found if n in known]
        if not page.found:
            page.reason = QuarantineReason.NONE
        elif not mine:
            page.reason = QuarantineReason.UNKNOWN
        elif len(mine) > 1:
            page.reason = QuarantineReason.SEVERAL
        else:
            page.agent_id = known[mine[0]]
            by_agent.setdefault(page.agent_id, []).append(page)
    for same in by_agent.values():
        if len(same) > 1:
            for page in same:
                page.agent_id, page.reason = None, QuarantineReason.DUPLICATE


def _store_blobs(pages: list[Page]) -> None:
    """Blob rows for the pages (one INSERT, existing ones kept), locked until the deposit commits so that
    ged_cleanup cannot take them meanwhile, then the files moved into the store (deduplicated)."""
    shas = {p.sha256: p.size for p in pages}
    Blob.objects.bulk_create([Blob(sha256=s, size=n) for s, n in shas.items()], ignore_conflicts=True)
    list(Blob.objects.select_for_update().filter(sha256__in=list(shas)).values_list("sha256", flat=True))
    for page in pages:
        storage.blob_put(page.sha256, page.path)


def month_label(period: datetime.date) -> str:
    return formats.date_format(period, "F Y")


def deposit(*, period: datetime.date, files: list[StagedFile], by, request=None) -> Batch:
    """Deposit a month's payroll (checked PDF files from the GED's upload handler): split, match, store,
    notify. Raises ValidationError (French) with nothing written if a file is not a readable PDF."""
    period = period.replace(day=1)
    pattern = matricule_pattern()
    pages: list[Page] = []
    try:
        for staged in files:
            if staged.mime_type != "application/pdf":
                raise ValidationError(
                    _("Le fichier « %(name)s » n'est pas un PDF : dépôt refusé, rien n'a été enregistré.")
                    % {"name": staged.name}
                )
            pages.extend(split_pages(staged, pattern))
        match_pages(pages)
        with transaction.atomic():
            batch = _write_batch(period, files, pages, by, request)
    except BaseException:
        discard_pages(pages)
        raise
    finally:
        for staged in files:
            staged.discard()
    return batch


def _write_batch(period, files, pages, by, request) -> Batch:
    now = timezone.now()
    _store_blobs(pages)
    delivered = [p for p in pages if p.agent_id is not None]
    held = [p for p in pages if p.agent_id is None]
    batch = Batch.objects.create(
        period=period,
        deposited_by=by,
        deposited_at=now,
        files=[f.name for f in files],
        pages=sum(p.page_count for p in pages),
        delivered=len(delivered),
        quarantined=len(held),
    )
    payslips = Payslip.objects.bulk_create(
        [
            Payslip(
                agent_id=p.agent_id,
                period=period,
                blob_id=p.sha256,
                sha256=p.sha256,
                size=p.size,
                deposited_at=now,
                deposited_by=by,
                batch=batch,
            )
            for p in delivered
        ]
    )
    QuarantinePage.objects.bulk_create(
        [
            QuarantinePage(
                batch=batch,
                blob_id=p.sha256,
                size=p.size,
                source_name=p.source_name[:255],
                page_number=p.number,
                reason=p.reason,
                found=p.found[:20],
            )
            for p in held
        ]
    )
    _deliver(payslips, period, by, request, batch)
    return batch


def _deliver(payslips: list[Payslip], period, by, request, batch) -> None:
    """Audit each deposit in its agent's log, notify the agents (the month only), refresh their panel."""
    if not payslips:
        return
    if all(p.pk is None for p in payslips):  # a backend without RETURNING: read the ids back
        ids = dict(Payslip.objects.filter(batch=batch).values_list("agent_id", "pk"))
        for p in payslips:
            p.pk = ids.get(p.agent_id)
    _events(
        "payslips.deposit",
        actor=by,
        request=request,
        agent_ids_extras=[(p.agent_id, {"payslip": p.pk, "period": f"{period:%Y-%m}"}) for p in payslips],
    )
    agents = [p.agent_id for p in payslips]
    notify(
        recipients=agents,
        verb=NOTIFY_VERB,
        text=_("Votre bulletin de paie de %(month)s est disponible dans votre coffre.")
        % {"month": month_label(period)},
        url=reverse("payslips:index"),
        email=True,
    )
    dashboard.bump(DASHBOARD_TOPIC, users=agents)
    dashboard.bump(DASHBOARD_TOPIC)  # the cached set of agents with an unopened payslip (hooks.py)


# --- Quarantine ----------------------------------------------------------------------------------------


def quarantine_assign(*, page: QuarantinePage, agent, by, request=None) -> Payslip:
    """Deliver a quarantined page to the agent HR names explicitly."""
    with transaction.atomic():
        page = QuarantinePage.objects.select_for_update().select_related("batch").get(pk=page.pk)
        if page.resolved_at is not None:
            raise ValidationError(_("Cette page a déjà été traitée."))
        if not agent.is_active:
            raise ValidationError(_("Cet agent n'est plus actif : la page ne peut pas lui être remise."))
        payslip = Payslip.objects.create(
            agent=agent,
            period=page.batch.period,
            blob_id=page.blob_id,
            sha256=page.blob_id,
            size=page.size,
            deposited_by=by,
            batch=page.batch,
        )
        page.outcome, page.resolved_at, page.resolved_by = QuarantineOutcome.ASSIGNED, timezone.now(), by
        page.save(update_fields=["outcome", "resolved_at", "resolved_by"])
        Batch.objects.filter(pk=page.batch_id).update(
            delivered=F("delivered") + 1, quarantined=F("quarantined") - 1
        )
        _deliver([payslip], page.batch.period, by, request, page.batch)
    return payslip


def quarantine_discard(*, page: QuarantinePage, by) -> None:
    with transaction.atomic():
        page = QuarantinePage.objects.select_for_update().get(pk=page.pk)
        if page.resolved_at is not None:
            raise ValidationError(_("Cette page a déjà été traitée."))
        page.outcome, page.resolved_at, page.resolved_by = QuarantineOutcome.DISCARDED, timezone.now(), by
        page.save(update_fields=["outcome", "resolved_at", "resolved_by"])
        Batch.objects.filter(pk=page.batch_id).update(quarantined=F("quarantined") - 1)


def mark_seen(user) -> None:
    """The agent opened their safe: the « Nouveau bulletin » panel goes away."""
    if Payslip.objects.filter(agent_id=user.pk, seen_at__isnull=True).update(seen_at=timezone.now()):
        dashboard.bump(DASHBOARD_TOPIC, users=[user.pk])
        dashboard.bump(DASHBOARD_TOPIC)


# --- Leavers -------------------------------------------------------------------------------------------


def leaver_token(link: LeaverLink) -> str:
    return signing.dumps(link.pk, salt=LEAVER_SALT, compress=False)


def leaver_link_create(*, agent, email: str, by, request=None) -> LeaverLink:
    """Record the leaver's personal address and send them (through the outbox) a signed, single-use link to a
    zip of all their payslips, valid PAYSLIPS_LEAVER_LINK_DAYS days.

    For a leaver only: the account must be deactivated. An agent in post reads their payslips in their safe;
    a link for them would hand their payslips to whatever address HR types. So an active account is refused
    (ValidationError, nothing created, no mail), the refusal written in the agent's safe log and the agent
    told in-app. The account's state is read again here, under a row lock, not taken from `agent`: a
    reactivation between HR's form and this write cannot let a link through."""
    now = timezone.now()
    with transaction.atomic():
        left = (
            get_user_model()
            .objects.select_for_update()
            .filter(pk=agent.pk, is_active=False)
            .values_list("pk", flat=True)
            .first()
        )
        if left is not None:
            link = LeaverLink.objects.create(
                agent_id=agent.pk,
                email=email,
                created_by=by,
                created_at=now,
                expires_at=now + datetime.timedelta(days=settings.PAYSLIPS_LEAVER_LINK_DAYS),
            )
            _events(
                "payslips.leaver_link",
                actor=by,
                request=request,
                agent_ids_extras=[(agent.pk, {"link": link.pk})],
            )
            outbox_add(kind=LEAVER_MAIL_KIND, payload={"link": link.pk})
            return link
        _leaver_link_refused(agent, by, request)
    raise ValidationError(
        _(
            "Le compte de cet agent est encore actif : un lien de départ ne s'envoie qu'à un agent parti, "
            "une fois son compte désactivé. Vérifiez le matricule, ou faites d'abord désactiver le compte."
        )
    )


def _leaver_link_refused(agent, by, request) -> None:
    """The agent's safe log keeps the refused attempt (who, when, from where; never the address typed) and
    the agent hears of it in-app."""
    _events(
        "payslips.leaver_link_refused",
        actor=by,
        request=request,
        agent_ids_extras=[(agent.pk, {})],
        result=Result.DENIED,
    )
    notify(
        recipients=[agent.pk],
        verb=LEAVER_REFUSED_VERB,
        text=_(
            "Un lien de départ vers vos bulletins de paie a été demandé puis refusé, car votre compte est "
            "actif : rien n'a été envoyé. La demande figure dans le journal de votre coffre."
        ),
        url=reverse("payslips:log"),
    )


class LinkRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _active_refusal() -> LinkRefused:
    return LinkRefused(
        _(
            "Ce lien n'est plus valable : votre compte est de nouveau actif. Retrouvez vos bulletins de paie "
            "dans votre coffre, sur l'intranet."
        )
    )


def leaver_link_open(token: str) -> LeaverLink:
    """The link a token names, if it is still valid (not used, not expired, its agent still gone: a link
    never opens an active agent's payslips, even one sent before a reactivation); raises LinkRefused."""
    try:
        pk = signing.loads(token, salt=LEAVER_SALT)
    except signing.BadSignature:
        raise LinkRefused(_("Ce lien n'est pas valide.")) from None
    link = LeaverLink.objects.select_related("agent").filter(pk=pk).first()
    if link is None:
        raise LinkRefused(_("Ce lien n'est pas valide."))
    if link.used_at is not None:
        raise LinkRefused(
            _("Ce lien a déjà été utilisé. Demandez un nouveau lien au service des ressources humaines.")
        )
    if link.expires_at <= timezone.now():
        raise LinkRefused(_("Ce lien a expiré. Demandez un nouveau lien au service des ressources humaines."))
    if link.agent.is_active:
        raise _active_refusal()
    return link


def leaver_link_use(*, link: LeaverLink, request=None) -> list[Payslip]:
    """Spend the link (once: a concurrent second use finds it used) and return the agent's payslips."""
    with transaction.atomic():
        # The agent's row locked first: a reactivation cannot slip between this check and the spending.
        if get_user_model().objects.select_for_update().filter(pk=link.agent_id, is_active=True).exists():
            raise _active_refusal()
        spent = LeaverLink.objects.filter(
            pk=link.pk, used_at__isnull=True, expires_at__gt=timezone.now()
        ).update(used_at=timezone.now())
        if not spent:
            raise LinkRefused(
                _("Ce lien a déjà été utilisé. Demandez un nouveau lien au service des ressources humaines.")
            )
        payslips = list(Payslip.objects.filter(agent_id=link.agent_id).order_by("period", "pk"))
        _events(
            "payslips.leaver_download",
            actor=None,
            request=request,
            agent_ids_extras=[(link.agent_id, {"link": link.pk, "count": len(payslips)})],
        )
    return payslips


def send_leaver_mail(payload: dict) -> None:
    """Outbox performer: the mail with the link (idempotent: the same link each time)."""
    from django.core.mail import send_mail  # noqa: PLC0415

    link = LeaverLink.objects.select_related("agent").filter(pk=payload.get("link")).first()
    if link is None or link.used_at is not None or link.agent.is_active:
        return
    url = settings.SITE_URL.rstrip("/") + reverse("payslips:leaver", args=[leaver_token(link)])
    send_mail(
        _("Vos bulletins de paie"),
        _(
            "Bonjour,\n\nVous pouvez télécharger une seule fois l'ensemble de vos bulletins de paie "
            "(un fichier zip) à cette adresse, jusqu'au %(date)s :\n\n%(url)s\n\nConservez-les : ils vous "
            "seront demandés pour vos droits à la retraite.\n"
        )
        % {"date": formats.date_format(timezone.localtime(link.expires_at), "j F Y"), "url": url},
        None,
        [link.email],
    )


# --- Retention ----------------------------------------------------------------------------------------


def purge_cutoff(today: datetime.date | None = None) -> datetime.date:
    """The first pay month still inside the employer's period (PAYSLIPS_RETENTION_YEARS)."""
    today = today or timezone.localdate()
    return today.replace(day=1).replace(year=today.year - settings.PAYSLIPS_RETENTION_YEARS)


def leavers():
    """Agents who have left, as far as retention goes: account disabled, a leaver link sent by HR and none
    still open (used or expired)."""
    open_links = LeaverLink.objects.filter(used_at__isnull=True, expires_at__gt=timezone.now())
    return (
        get_user_model()
        .objects.filter(is_active=False, pk__in=LeaverLink.objects.values("agent_id"))
        .exclude(pk__in=open_links.values("agent_id"))
    )


def purgeable(today: datetime.date | None = None):
    """Payslips past the employer's period of agents who have left (`leavers`).

    The agent's copy is for life: while the agent works here, none of their payslips is ever purged; nor is
    it for a disabled account HR never processed as a departure (a suspension, a long leave): no leaver link,
    no purge. At departure HR sends the leaver link (a zip of everything); once that window is closed (used
    or expired), only the months inside the employer's period stay."""
    return Payslip.objects.filter(period__lt=purge_cutoff(today), agent__in=leavers())


def payslips_purge(*, today: datetime.date | None = None) -> int:
    """Delete the purgeable payslips (their blobs go with the next `ged_cleanup`), one audit event per agent
    in their safe's log (count and months, never the content). Returns how many were deleted."""
    with transaction.atomic():
        rows = list(purgeable(today).select_for_update().values_list("pk", "agent_id", "period"))
        if not rows:
            return 0
        per_agent: dict[int, list[str]] = {}
        for _pk, agent_id, period in rows:
            per_agent.setdefault(agent_id, []).append(f"{period:%Y-%m}")
        Payslip.objects.filter(pk__in=[pk for pk, _a, _p in rows]).delete()
        _events(
            "payslips.purge",
            actor=None,
            request=None,
            agent_ids_extras=[
                (agent_id, {"count": len(months), "months": sorted(months)})
                for agent_id, months in per_agent.items()
            ],
        )
    dashboard.bump(DASHBOARD_TOPIC, users=list(per_agent))
    dashboard.bump(DASHBOARD_TOPIC)  # the cached map of unopened payslips (hooks.py)
    return len(rows)


def safe_log_purge(*, today: datetime.date | None = None) -> int:
    """Delete the safe-log events (`SAFE_OBJECT`) older than the employer's period, of the agents whose
    payslips `payslips_purge` deletes (`leavers`) and of accounts that no longer exist. Returns how many.

    The safe's log is kept out of the access log's purge (`audit_keep_apart` in apps.py, AUDIT_RETENTION_DAYS
    is a year at most): it lasts as long as the payslips it tells of. An agent in post, or disabled without a
    departure processed by HR, keeps every payslip and so every event of their safe."""
    cutoff = timezone.make_aware(datetime.datetime.combine(purge_cutoff(today), datetime.time.min))
    kept = (
        get_user_model()
        .objects.exclude(pk__in=leavers().values("pk"))
        .annotate(key=Cast("pk", CharField()))
        .values("key")
    )
    return audit_delete(
        AccessEvent.objects.filter(object_type=SAFE_OBJECT, created_at__lt=cutoff).exclude(object_id__in=kept)
    )
