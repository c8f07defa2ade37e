#!/bin/sh
# Waits for PostgreSQL's port when the env file says the database is
# PostgreSQL, then runs the container's command.

if [ "$DATABASE" = "postgres" ]
then
    echo "Waiting for postgres..."
    while ! nc -z $SQL_HOST $SQL_PORT; do
      sleep 0.1
    done
    echo "PostgreSQL started"
fi

exec "$@"
