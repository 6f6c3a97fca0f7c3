#!/usr/bin/env bash
# Start Debian's PostgreSQL with PostGIS for the tracker's store tests, and print the database URL.
#
# Needs (as root) the Debian packages `postgresql` and `postgresql-postgis` (the README's test
# command installs them with apt). Starts (or creates) the default cluster, creates the role
# `songnan` with a new random password, the database `songnan_test` owned by it and the
# `postgis` extension in it, and prints on stdout the URL for SONGNAN_TEST_POSTGIS_URL:
#
#   SONGNAN_TEST_POSTGIS_URL="$(bash scripts/start_postgis.sh)" && export SONGNAN_TEST_POSTGIS_URL
#
# Idempotent: running it again reuses the running server and the database. Everything else goes
# to stderr. The server listens on localhost only (Debian's default).
set -euo pipefail

ROLE=songnan
DB=songnan_test
PORT_DEFAULT=5432

if ! command -v pg_lsclusters >/dev/null 2>&1; then
    echo "start_postgis.sh: PostgreSQL is not installed. Install it with:" >&2
    echo "  apt-get install -y --no-install-recommends postgresql postgresql-postgis" >&2
    exit 1
fi

# The newest installed server version (e.g. 15 on Debian 12).
VERSION="$(ls /usr/lib/postgresql | sort -n | tail -1)"
if [ ! -e "/usr/share/postgresql/$VERSION/extension/postgis.control" ]; then
    echo "start_postgis.sh: PostGIS for PostgreSQL $VERSION is not installed. Install it with:" >&2
    echo "  apt-get install -y --no-install-recommends postgresql-postgis" >&2
    exit 1
fi

if ! pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main"' | grep -q .; then
    pg_createcluster "$VERSION" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
    pg_ctlcluster "$VERSION" main start >&2
fi
PORT="$(pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" {print $3}')"
PORT="${PORT:-$PORT_DEFAULT}"

# Wait until the server accepts connections (at most 30 s).
for _ in $(seq 1 60); do
    if su postgres -c "pg_isready -q -p $PORT"; then break; fi
    sleep 0.5
done
su postgres -c "pg_isready -q -p $PORT" || { echo "start_postgis.sh: server not ready on port $PORT" >&2; exit 1; }

# The role's password: made once, kept outside the repository (mode 0600) and reused, so that a
# second run does not break a process still using the URL.
PASSFILE="${SONGNAN_TEST_POSTGIS_PASSFILE:-$HOME/.songnan_geo/test_postgis_password}"
if [ ! -s "$PASSFILE" ]; then
    mkdir -p "$(dirname "$PASSFILE")" && chmod 700 "$(dirname "$PASSFILE")"
    (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=\n' | head -c 20 > "$PASSFILE")
fi
PASSWORD="$(cat "$PASSFILE")"
psql_su() { su postgres -c "PGOPTIONS='--client-min-messages=warning' psql -q -v ON_ERROR_STOP=1 -p $PORT $*" >&2; }

psql_su "-d postgres" <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD';
  ELSE
    ALTER ROLE $ROLE LOGIN PASSWORD '$PASSWORD';
  END IF;
END \$\$;
SQL
if ! su postgres -c "psql -p $PORT -tAc \"SELECT 1 FROM pg_database WHERE datname = '$DB'\"" | grep -q 1; then
    psql_su "-d postgres -c 'CREATE DATABASE $DB OWNER $ROLE'"
fi
psql_su "-d $DB -c 'CREATE EXTENSION IF NOT EXISTS postgis'"

echo "postgresql://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
