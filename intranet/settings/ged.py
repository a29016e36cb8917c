"""Document spaces (GED): uploads, storage, trash, OnlyOffice (issues 5 and 6).

Every tunable comes from the environment; each variable is documented in one line of .env.example.
"""

from .env import env

# Where blobs and upload temp files live; empty = MEDIA_ROOT/ged (resolved at run time, see ged/storage.py).
GED_STORAGE_ROOT = env.str("GED_STORAGE_ROOT", default="")
# Name of an entry of STORAGES (e.g. an S3 backend) holding the blobs; empty = the local blob directory.
GED_STORAGE_ALIAS = env.str("GED_STORAGE_ALIAS", default="")
GED_MAX_UPLOAD_MB = env.int("GED_MAX_UPLOAD_MB", default=500)
# Resumable uploads (the uploader's path): chunk size the client is told to use, largest chunk accepted,
# hours an idle session lives (ged_cleanup removes it and its spool file after), open sessions per agent.
GED_UPLOAD_CHUNK_MB = env.int("GED_UPLOAD_CHUNK_MB", default=32)
GED_UPLOAD_CHUNK_MAX_MB = env.int("GED_UPLOAD_CHUNK_MAX_MB", default=64)
GED_UPLOAD_SESSION_HOURS = env.int("GED_UPLOAD_SESSION_HOURS", default=24)
GED_UPLOAD_SESSIONS_PER_USER = env.int("GED_UPLOAD_SESSIONS_PER_USER", default=20)
# Largest request body the ASGI handler accepts (checked on Content-Length before reading, then counted).
ASGI_BODY_MAX_MB = env.int("ASGI_BODY_MAX_MB", default=GED_MAX_UPLOAD_MB + 16)
# Routes whose body the view reads as it arrives instead of Django spooling it first ("METHOD view_name"):
# the GED uploads (multipart, written once by ged.uploads.GedUploadHandler) and the resumable chunks.
STREAMED_BODY_ROUTES = frozenset(
    {
        "POST ged:upload",
        "POST ged:new_version",
        "POST api:upload",
        "POST api:versions",
        "PUT api:ged_upload_session",
    }
)
GED_TRASH_DAYS = env.int("GED_TRASH_DAYS", default=30)
GED_LOCK_MINUTES = env.int("GED_LOCK_MINUTES", default=240)
GED_PAGE_SIZE = env.int("GED_PAGE_SIZE", default=50)
# Office files are zips: refuse too many entries or too much inflated data before anything parses them.
GED_ZIP_MAX_ENTRIES = env.int("GED_ZIP_MAX_ENTRIES", default=10_000)
GED_ZIP_MAX_UNCOMPRESSED_MB = env.int("GED_ZIP_MAX_UNCOMPRESSED_MB", default=1024)
GED_ZIP_MAX_RATIO = env.int("GED_ZIP_MAX_RATIO", default=100)
# Full-text extraction: files above this size are not indexed; extracted text is capped.
GED_EXTRACT_MAX_MB = env.int("GED_EXTRACT_MAX_MB", default=50)
GED_EXTRACT_TIMEOUT_S = env.int("GED_EXTRACT_TIMEOUT_S", default=20)
# Address-space limit of the extraction child process (and of the pdftotext it starts).
GED_EXTRACT_MEMORY_MB = env.int("GED_EXTRACT_MEMORY_MB", default=512)
# Temp files and unreferenced blobs older than this are removed by `manage.py ged_cleanup`.
GED_TMP_TTL_HOURS = env.int("GED_TMP_TTL_HOURS", default=24)
# Production: nginx serves the bytes from an `internal` location mapped to the blob directory.
GED_ACCEL_REDIRECT_PREFIX = env.str("GED_ACCEL_REDIRECT_PREFIX", default="")
GED_DOWNLOAD_CHUNK_KB = env.int("GED_DOWNLOAD_CHUNK_KB", default=512)
# Optional antivirus: a clamd socket, or host + port. Unset = no scan.
CLAMD_SOCKET = env.str("CLAMD_SOCKET", default="")
CLAMD_HOST = env.str("CLAMD_HOST", default="")
CLAMD_PORT = env.int("CLAMD_PORT", default=3310)
# OnlyOffice Document Server (issue 6, docs/ged.md "Co-édition OnlyOffice"). Empty URL = co-editing off.
ONLYOFFICE_URL = env.str("ONLYOFFICE_URL", default="").rstrip("/")
ONLYOFFICE_INTERNAL_URL = env.str("ONLYOFFICE_INTERNAL_URL", default="").rstrip("/")
ONLYOFFICE_JWT_SECRET = env.str("ONLYOFFICE_JWT_SECRET", default="")
ONLYOFFICE_JWT_HEADER = env.str("ONLYOFFICE_JWT_HEADER", default="Authorization")
ONLYOFFICE_APP_URL = env.str("ONLYOFFICE_APP_URL", default="").rstrip("/")
ONLYOFFICE_MAX_FILE_SIZE = env.int("ONLYOFFICE_MAX_FILE_SIZE", default=100 * 1024 * 1024)
ONLYOFFICE_TIMEOUT = env.int("ONLYOFFICE_TIMEOUT", default=30)
ONLYOFFICE_KEY_PREFIX = env.str("ONLYOFFICE_KEY_PREFIX", default="ccfi")
ONLYOFFICE_CONVERSION_TRIES = env.int("ONLYOFFICE_CONVERSION_TRIES", default=30)
ONLYOFFICE_CONVERSION_INTERVAL = env.float("ONLYOFFICE_CONVERSION_INTERVAL", default=1.0)
# Circuits (ged/circuits/signing.py): the collectivité's signing key and certificate (PEM paths) for the PAdES
# signature of PDFs at a circuit's signature step; empty = visas and signatures are recorded (who, when,
# version hash) without a PAdES signature. Chain: comma-separated PEM intermediates.
CIRCUITS_SIGNING_KEY = env.str("CIRCUITS_SIGNING_KEY", default="")
CIRCUITS_SIGNING_CERT = env.str("CIRCUITS_SIGNING_CERT", default="")
CIRCUITS_SIGNING_CHAIN = env.str("CIRCUITS_SIGNING_CHAIN", default="")
CIRCUITS_SIGNING_PASSPHRASE = env.str("CIRCUITS_SIGNING_PASSPHRASE", default="")
CIRCUITS_SIGNING_LOCATION = env.str("CIRCUITS_SIGNING_LOCATION", default="Hazebrouck")
CIRCUITS_SIGNING_VISIBLE = env.bool("CIRCUITS_SIGNING_VISIBLE", default=False)

# Payslips (ged/payslips/, docs/payslips.md): the regular expression finding a registration number (matricule)
# in a page's text or a file's name (group 1 if it has one, else the whole match); the employer's retention
# (years) and the validity (days) of a leaver's single-use download link; the HR group.
PAYSLIPS_MATRICULE_REGEX = env.str("PAYSLIPS_MATRICULE_REGEX", default=r"(?<![0-9])([0-9]{6})(?![0-9])")
PAYSLIPS_RETENTION_YEARS = env.int("PAYSLIPS_RETENTION_YEARS", default=5)
PAYSLIPS_LEAVER_LINK_DAYS = env.int("PAYSLIPS_LEAVER_LINK_DAYS", default=30)
PAYSLIPS_MANAGER_GROUP = env.str("PAYSLIPS_MANAGER_GROUP", default="Gestionnaire paie")
