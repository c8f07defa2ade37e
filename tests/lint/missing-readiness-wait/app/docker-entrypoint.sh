#!/bin/sh
set -e
# Waits for the broker only: the database is not waited for here.
until redis-cli -h redis ping; do
  sleep 1
done
exec "$@"
