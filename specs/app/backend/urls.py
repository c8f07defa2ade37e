from django.urls import path

from rows import views

urlpatterns = [path("rows/", views.rows)]
