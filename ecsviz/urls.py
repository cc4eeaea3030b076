from __future__ import annotations

from django.contrib import admin
from django.urls import path

from ecsviz import views

urlpatterns = [
    path("", views.cluster_list, name="cluster_list"),
    path("clusters/<str:name>/", views.cluster_detail, name="cluster_detail"),
    path("admin/", admin.site.urls),
]
