"""Settings of the e2e test project, as the README asks of an app in the stack.

They import without the runtime environment (collectstatic runs while the image
is built). With DATABASE_HOST set, as compose.yaml sets it for `web` and
`migrate`, the database is PostgreSQL and the password is read from the file
DATABASE_PASSWORD_FILE names; without it, the seed's development SQLite file.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "e2e-test-project-not-a-secret"
# On only where `.dev.env` (the spec's `dev` environment) turns it on.
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = ["localhost"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "rows",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"

if "DATABASE_HOST" in os.environ:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": os.environ["DATABASE_HOST"],
            "PORT": os.environ.get("DATABASE_PORT", "5432"),
            "NAME": os.environ["DATABASE_NAME"],
            "USER": os.environ["DATABASE_USER"],
            "PASSWORD": Path(os.environ["DATABASE_PASSWORD_FILE"]).read_text().strip(),
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
        }
    }

# Errors (such as a database that cannot be reached) go to stderr, Gunicorn's log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

# The `collectstatic to /app/staticfiles` of the spec: WORKDIR /app + staticfiles.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
