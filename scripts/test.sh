#!/usr/bin/env bash
# The whole suite. With DATABASE_URL/REDIS_URL set (CI), it runs on PostgreSQL and Redis; without them,
# on SQLite and the in-memory channel layer. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_ALLOW_ASYNC_UNSAFE=true  # Playwright's sync API drives the browser from the test thread
exec .venv/bin/pytest -p no:cacheprovider --durations=30 "$@"
