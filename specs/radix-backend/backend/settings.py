"""Settings of a small backend in the shape of RadixFitnessBackend.

The original reads each setting from an environment variable of the same name,
falling back to a defaults.ini baked into the image (SQLite, DEBUG on, a mock
secret key). Here the variables are the same (SQL_ENGINE, SQL_HOST, ...), the
fallbacks are safe ones, and the two secrets are read from the files that
compose mounts (SQL_PASSWORD_FILE, DJANGO_SECRET_KEY_FILE), never from the
environment. The module imports without any of them: collectstatic runs while
the image is built.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def read_secret(variable, default=""):
    """The contents of the file the variable names, or `default` without one."""
    path = os.environ.get(variable)
    return Path(path).read_text().strip() if path else default


SECRET_KEY = read_secret("DJANGO_SECRET_KEY_FILE", "build-time-only-not-a-secret")
DEBUG = os.environ.get("DEBUG", "False") == "True"
# Host names separated by spaces, as in the original.
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": os.environ.get("SQL_ENGINE", "django.db.backends.sqlite3"),
        "NAME": os.environ.get("SQL_DATABASE", BASE_DIR / "db.sqlite3"),
        "USER": os.environ.get("SQL_USER", ""),
        "PASSWORD": read_secret("SQL_PASSWORD_FILE"),
        "HOST": os.environ.get("SQL_HOST", ""),
        "PORT": os.environ.get("SQL_PORT", ""),
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

# WORKDIR /app + static: the folder the image's collectstatic fills and the
# stack's `collectstatic` job copies into the volume nginx serves at /static/.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"
