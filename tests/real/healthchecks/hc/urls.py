from django.http import JsonResponse
from django.urls import path


def status(request):
    """What fetchstatus.py probes: answers once the database does."""
    from django.db import connection

    connection.ensure_connection()
    return JsonResponse({"status": "ok"})


urlpatterns = [path("api/v3/status/", status)]
