#! /usr/bin/env bash
# Wait for the database, migrate, and create the first superuser.
set -e
python app/backend_pre_start.py
alembic upgrade head
python app/initial_data.py
