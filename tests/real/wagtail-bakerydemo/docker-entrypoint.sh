#!/bin/sh
set -e

# Waits until PostgreSQL answers a query, then migrates when uWSGI starts.
until psql "$DATABASE_URL" -c '\q'; do
  echo "Postgres is unavailable - sleeping" >&2
  sleep 1
done
echo "Postgres is up - continuing" >&2

if [ "$1" = 'uwsgi' ]; then
    python manage.py migrate --noinput
fi

exec "$@"
