import dj_database_url

DEBUG = True
SECRET_KEY = "dev-only"
DATABASES = {"default": dj_database_url.config()}
