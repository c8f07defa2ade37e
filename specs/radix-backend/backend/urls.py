from django.contrib import admin
from django.http import JsonResponse
from django.urls import path


def health(request):
    """Answers without touching the database: the process is up."""
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", health),
]
