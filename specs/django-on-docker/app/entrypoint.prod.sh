#!/bin/sh
# Runs before the container's command (compose's `command`, or the image's
# CMD), then becomes it: `exec` keeps the command PID 1, so it gets SIGTERM.
#
# django-on-docker's entrypoint.prod.sh looped on `nc -z $SQL_HOST $SQL_PORT`
# until the port opened. Compose does that wait now, and better: `after db
# ready` starts this container once pg_isready passes, which an open port
# does not promise. What is left is a clear message for a missing secret.
set -eu

# Fails when the variable $1 names a file ($2) this user cannot read.
require_readable() {
    if [ -n "$2" ] && [ ! -r "$2" ]; then
        echo "entrypoint: $1 names $2, which this user cannot read" >&2
        exit 1
    fi
}

require_readable SECRET_KEY_FILE "${SECRET_KEY_FILE:-}"
require_readable SQL_PASSWORD_FILE "${SQL_PASSWORD_FILE:-}"

exec "$@"
