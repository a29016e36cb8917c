#!/bin/sh
# scripts/backup.sh DEST_DIR: a consistent backup of the intranet into DEST_DIR (created, must be empty).
#
#   db.dump      pg_dump custom format of DATABASE_URL (restorable table by table, no owner, no grants)
#   media.tar    MEDIA_ROOT (Wagtail images and documents, GED blobs when GED_STORAGE_ROOT is under it)
#   ged.tar      GED_STORAGE_ROOT's blobs when they live outside MEDIA_ROOT
#   SHA256SUMS   the checksums restore.sh verifies before touching anything
#
# The database first, then the files: a blob without its row is harmless (ged_cleanup removes it later), a
# row without its blob is not. Upload temp files (ged tmp/) are left out. Environment: DATABASE_URL,
# MEDIA_ROOT (required), GED_STORAGE_ROOT (default MEDIA_ROOT/ged). See docs/operations.md.
set -eu

dest=${1:?usage: scripts/backup.sh DEST_DIR}
: "${DATABASE_URL:?DATABASE_URL must be set (postgres://user:password@host:port/name)}"
: "${MEDIA_ROOT:?MEDIA_ROOT must be set (the media directory of the intranet)}"
ged_root=${GED_STORAGE_ROOT:-$MEDIA_ROOT/ged}

mkdir -p "$dest"
if [ -n "$(ls -A "$dest")" ]; then
    echo "backup.sh: $dest is not empty; choose a new directory" >&2
    exit 2
fi
# libpq reads postgresql:// and postgres:// alike.
pg_dump --format=custom --no-owner --no-privileges --file="$dest/db.dump" "$DATABASE_URL"

media=$(cd "$MEDIA_ROOT" && pwd -P)
ged=$(mkdir -p "$ged_root" && cd "$ged_root" && pwd -P)
case "$ged/" in
    "$media"/*)
        tar -C "$media" --exclude="./${ged#"$media"/}/tmp" -cf "$dest/media.tar" .
        ;;
    *)
        tar -C "$media" -cf "$dest/media.tar" .
        tar -C "$ged" --exclude=./tmp -cf "$dest/ged.tar" .
        ;;
esac

(cd "$dest" && sha256sum -- *.dump *.tar > SHA256SUMS)
echo "backup.sh: $(cd "$dest" && ls | tr '\n' ' ')in $dest"
