from __future__ import annotations

from django.contrib import admin

from ecsviz.models import (
    Cluster,
    ContainerInstance,
    Event,
    InstanceType,
    Service,
    Task,
    TaskDefinition,
)


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "event_seq", "forked_from", "created_at"]
    list_filter = ["status"]
    search_fields = ["name"]


@admin.register(InstanceType)
class InstanceTypeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "family",
        "vcpus",
        "memory_mib",
        "max_enis",
        "architecture",
        "price_per_hour",
    ]
    list_filter = ["family", "architecture"]
    search_fields = ["name"]


@admin.register(ContainerInstance)
class ContainerInstanceAdmin(admin.ModelAdmin):
    list_display = [
        "ec2_instance_id",
        "cluster",
        "instance_type",
        "availability_zone",
        "status",
        "agent_connected",
        "remaining_cpu",
        "registered_cpu",
        "remaining_memory",
        "registered_memory",
        "enis_in_use",
    ]
    list_filter = ["cluster", "status", "availability_zone", "instance_type", "agent_connected"]
    search_fields = ["ec2_instance_id", "instance_id"]
    readonly_fields = ["version"]


@admin.register(TaskDefinition)
class TaskDefinitionAdmin(admin.ModelAdmin):
    list_display = [
        "family",
        "revision",
        "status",
        "network_mode",
        "cpu_reservation",
        "memory_reservation",
        "registered_at",
    ]
    list_filter = ["status", "network_mode"]
    search_fields = ["family"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = [
        "task_id",
        "cluster",
        "task_definition",
        "group",
        "container_instance",
        "last_status",
        "desired_status",
        "launch_type",
        "created_at",
    ]
    list_filter = ["cluster", "last_status", "desired_status", "launch_type"]
    search_fields = ["task_id", "group", "started_by"]
    list_select_related = ["task_definition", "container_instance", "cluster"]
    readonly_fields = ["version"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "cluster",
        "task_definition",
        "desired_count",
        "scheduling_strategy",
        "status",
    ]
    list_filter = ["cluster", "status", "scheduling_strategy"]
    search_fields = ["name"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["cluster", "seq", "time", "kind", "message"]
    list_filter = ["cluster", "kind"]
    search_fields = ["message"]
