# NetBox's settings, read from the environment the env files give.
from os import environ

ALLOWED_HOSTS = environ.get("ALLOWED_HOSTS", "*").split(" ")
DATABASE = {
    "NAME": environ.get("DB_NAME", "netbox"),
    "USER": environ.get("DB_USER", ""),
    "PASSWORD": environ.get("DB_PASSWORD", ""),
    "HOST": environ.get("DB_HOST", "localhost"),
}
SECRET_KEY = environ.get("SECRET_KEY", "")
