"""`manage.py loaddemo`: the classroom cluster, created once and left alone after that."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from ecsviz.models import Cluster, TaskDefinition
from ecsviz.services import cluster_create, container_instance_register, task_definition_register

DEMO_CLUSTER = "classroom"

# Mixed types per AZ, so binpack and spread visibly disagree.
DEMO_INSTANCES = {
    "us-east-1a": ["m5.large", "t3.large", "c5.xlarge"],
    "us-east-1b": ["m5.xlarge", "t3.medium"],
    "us-east-1c": ["m5.large", "r5.large", "t3.large"],
}

DEMO_TASK_DEFINITIONS = [
    {
        # A static host port: at most one copy per instance.
        "family": "web-static",
        "containerDefinitions": [
            {
                "name": "nginx",
                "image": "public.ecr.aws/nginx/nginx:1.27",
                "cpu": 256,
                "memory": 512,
                "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}],
            }
        ],
    },
    {
        # Dynamic host ports (hostPort 0): many copies share an instance behind a load balancer.
        "family": "api-dynamic",
        "containerDefinitions": [
            {
                "name": "api",
                "image": "public.ecr.aws/docker/library/httpd:2.4",
                "cpu": 512,
                "memory": 1024,
                "portMappings": [{"containerPort": 8080, "hostPort": 0, "protocol": "tcp"}],
            }
        ],
    },
    {
        # memoryReservation below memory: placement charges the soft limit, 256 MiB.
        "family": "worker-soft-memory",
        "containerDefinitions": [
            {
                "name": "worker",
                "image": "public.ecr.aws/docker/library/busybox:1.36",
                "cpu": 128,
                "memory": 1024,
                "memoryReservation": 256,
                "command": ["sh", "-c", "while true; do sleep 30; done"],
            }
        ],
    },
]


class Command(BaseCommand):
    help = "Create the classroom demo cluster (3 AZs, mixed instance types) and task definitions."

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        cluster = cluster_create(name=DEMO_CLUSTER)
        if not cluster.container_instances.exists():
            for zone, types in DEMO_INSTANCES.items():
                for instance_type in types:
                    container_instance_register(
                        cluster=cluster.name, instance_type=instance_type, availability_zone=zone
                    )
        for definition in DEMO_TASK_DEFINITIONS:
            if not TaskDefinition.objects.filter(family=definition["family"]).exists():
                task_definition_register(definition=definition)
        total = Cluster.objects.get(pk=cluster.pk).container_instances.count()
        self.stdout.write(f"Demo cluster '{cluster.name}' has {total} container instances.")
