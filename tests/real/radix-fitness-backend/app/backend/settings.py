"""Settings read from configurations/defaults.ini, each overridden by an
environment variable of the same name."""
import os
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.append(str(BASE_DIR / "backend"))

from configurations.config_parser import configs  # noqa: E402

SECRET_KEY = configs.get("Django", "DJANGO_SECRET_KEY")
DEBUG = configs.get("Development", "DEBUG") == "True"
ALLOWED_HOSTS = configs.get("Django", "DJANGO_ALLOWED_HOSTS").split(" ")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_yasg",
]

MIDDLEWARE = [
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"

# DATABASE_URL when it is set, else the database named in defaults.ini.
DATABASES = {
    "default": dj_database_url.config()
    or {
        "ENGINE": configs.get("Database", "SQL_ENGINE"),
        "NAME": configs.get("Database", "SQL_DATABASE"),
    }
}

STATIC_URL = "/static/"
STATIC_ROOT = os.path.join(BASE_DIR, "static")

CORS_ORIGIN_WHITELIST = configs.get("Django", "CORS_ORIGIN_WHITELIST").split(",")
CSRF_TRUSTED_ORIGINS = configs.get("Django", "CSRF_TRUSTED_ORIGINS").split(",")
