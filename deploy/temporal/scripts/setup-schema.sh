#!/bin/sh
# One-shot job of docker-compose.yml (service temporal-schema, image temporalio/admin-tools): creates Temporal's
# two PostgreSQL databases if they are missing and brings their schemas up to the version this admin-tools image
# ships. Safe to run again: on every `docker compose up`, and on a volume that temporalio/auto-setup created
# (same database names), where it only applies the newer schema versions.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS is required (the PostgreSQL host)}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD is required (the PostgreSQL password; temporal-sql-tool reads it from there)}"
PORT="${DB_PORT:-5432}"
SCHEMA=/etc/temporal/schema/postgresql/v12

sql() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$PORT" -u "$POSTGRES_USER" "$@"
}

# PostgreSQL is healthy before this job starts; still, give a slow first start a minute.
i=1
until sql --db temporal create; do                           # no-op when it exists
  if [ "$i" -ge 30 ]; then
    echo "schema: cannot reach PostgreSQL at $POSTGRES_SEEDS:$PORT as $POSTGRES_USER" >&2
    exit 1
  fi
  i=$((i + 1))
  sleep 2
done

for pair in temporal:temporal temporal_visibility:visibility; do
  db="${pair%%:*}"
  dir="${pair#*:}"
  echo "schema: database $db"
  sql --db "$db" create                                      # no-op when it exists
  sql --db "$db" setup-schema -v 0.0                         # version table only; no-op when present
  sql --db "$db" update-schema -d "$SCHEMA/$dir/versioned"   # applies only versions newer than the stored one
done
echo "schema: up to date"
