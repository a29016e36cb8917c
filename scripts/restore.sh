#!/bin/sh
# scripts/restore.sh BACKUP_DIR: restore a backup made by scripts/backup.sh into an EMPTY database
# (DATABASE_URL, no table in schema public) and empty file directories (MEDIA_ROOT, GED_STORAGE_ROOT).
# Refuses to overwrite anything. Checksums are verified first. Then apply the grants (docs/deployment.md §2)
# and run `manage.py migrate` (nothing to do for the same release) before starting the services.
set -eu

src=${1:?usage: scripts/restore.sh BACKUP_DIR}
: "${DATABASE_URL:?DATABASE_URL must be set (the empty database to restore into)}"
: "${MEDIA_ROOT:?MEDIA_ROOT must be set}"
ged_root=${GED_STORAGE_ROOT:-$MEDIA_ROOT/ged}

(cd "$src" && sha256sum --check --quiet SHA256SUMS) || {
    echo "restore.sh: checksums of $src do not match SHA256SUMS; nothing restored" >&2
    exit 2
}
tables=$(psql "$DATABASE_URL" -tAc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != "0" ]; then
    echo "restore.sh: the database already has $tables tables; restore into an empty database" >&2
    exit 2
fi
for dir in "$MEDIA_ROOT" "$ged_root"; do
    if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
        echo "restore.sh: $dir is not empty; restore into empty directories" >&2
        exit 2
    fi
done

pg_restore --exit-on-error --no-owner --no-privileges --dbname="$DATABASE_URL" "$src/db.dump"
mkdir -p "$MEDIA_ROOT"
tar -C "$MEDIA_ROOT" -xf "$src/media.tar"
if [ -f "$src/ged.tar" ]; then
    mkdir -p "$ged_root"
    tar -C "$ged_root" -xf "$src/ged.tar"
fi
echo "restore.sh: restored $src"
