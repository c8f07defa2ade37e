#!/bin/sh
# Creates the app user with the password the secret holds.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" -c "CREATE ROLE app LOGIN PASSWORD '$(cat "$APP_PASSWORD_FILE")'"
