"""The WSGI application Gunicorn serves (mediabox.wsgi:application)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediabox.settings")
application = get_wsgi_application()
