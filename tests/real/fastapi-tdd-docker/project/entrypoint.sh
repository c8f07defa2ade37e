#!/bin/sh
# Holds the app until PostgreSQL accepts connections on its port.
echo "Waiting for postgres..."
while ! nc -z web-db 5432; do
  sleep 0.1
done
echo "PostgreSQL started"
exec "$@"
