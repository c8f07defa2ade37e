"""Settings of mediabox, a file-upload site in the shape of django-on-docker.

Every setting comes from the environment (.env.prod of the spec); the two
secrets come from the files compose mounts (SECRET_KEY_FILE,
SQL_PASSWORD_FILE). The module imports without any of them, since
collectstatic runs while the image is built.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def read_secret(variable, default=""):
    """The contents of the file the variable names, or `default` without one."""
    path = os.environ.get(variable)
    return Path(path).read_text().strip() if path else default


SECRET_KEY = read_secret("SECRET_KEY_FILE", "build-time-only-not-a-secret")
# "1" turns it on. The original's bool(os.environ.get("DEBUG", 0)) was true
# for the "0" of its own .env.prod: any non-empty string is.
DEBUG = os.environ.get("DEBUG", "0") == "1"
# Host names separated by spaces, as in the original.
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "uploads",
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
ROOT_URLCONF = "mediabox.urls"
WSGI_APPLICATION = "mediabox.wsgi.application"
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

# APP_HOME (/home/app/web) + staticfiles and mediafiles: the folders the
# spec mounts the `static` and `media` volumes on, which nginx serves.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "mediafiles"
