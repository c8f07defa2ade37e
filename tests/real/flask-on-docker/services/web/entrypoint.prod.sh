#!/bin/sh
# Wait for PostgreSQL's port before handing over to the command.

if [ "$DATABASE" = "postgres" ]
then
    echo "Waiting for PostgreSQL at $SQL_HOST:$SQL_PORT..."
    while ! nc -z $SQL_HOST $SQL_PORT; do
      sleep 0.1
    done
    echo "PostgreSQL is up"
fi

exec "$@"
