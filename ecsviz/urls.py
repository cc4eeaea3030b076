from __future__ import annotations

from django.contrib import admin
from django.urls import path

from ecsviz import views
from ecsviz.api.views import api_or_page

# AWS clients get their errors as JSON even when Django refuses the request before any view.
handler400 = "ecsviz.api.views.bad_request"

urlpatterns = [
    # AWS clients POST every ECS API call to the root; browsers GET the cluster list there.
    path("", api_or_page(views.cluster_list), name="cluster_list"),
    path("clusters/", views.cluster_new, name="cluster_new"),
    path("clusters/<str:name>/", views.cluster_detail, name="cluster_detail"),
    path("clusters/<str:name>/events/", views.cluster_events, name="cluster_events"),
    path("clusters/<str:name>/query/", views.query_check, name="query_check"),
    path("clusters/<str:name>/fork/", views.cluster_fork, name="cluster_fork"),
    path("clusters/<str:name>/task-definitions/", views.taskdef_upload, name="taskdef_upload"),
    path("clusters/<str:name>/tasks/", views.task_run, name="task_run"),
    path("clusters/<str:name>/explain/", views.run_explain, name="run_explain"),
    path("clusters/<str:name>/tasks/<str:task_id>/", views.task_detail, name="task_detail"),
    path("clusters/<str:name>/tasks/<str:task_id>/stop/", views.task_stop, name="task_stop"),
    path("clusters/<str:name>/instances/", views.instance_add, name="instance_add"),
    path(
        "clusters/<str:name>/instances/<str:instance_id>/",
        views.instance_detail,
        name="instance_detail",
    ),
    path(
        "clusters/<str:name>/instances/<str:instance_id>/state/",
        views.instance_state,
        name="instance_state",
    ),
    path(
        "clusters/<str:name>/instances/<str:instance_id>/deregister/",
        views.instance_deregister,
        name="instance_deregister",
    ),
    path(
        "clusters/<str:name>/instances/<str:instance_id>/what-if/",
        views.instance_whatif,
        name="instance_whatif",
    ),
    path("compare/", views.cluster_compare, name="cluster_compare"),
    path("admin/", admin.site.urls),
]
