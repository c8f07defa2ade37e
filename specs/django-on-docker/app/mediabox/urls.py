from django.contrib import admin
from django.urls import path

from uploads.views import upload

urlpatterns = [
    path("", upload, name="upload"),
    path("admin/", admin.site.urls),
]
