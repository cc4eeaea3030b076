from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EcsvizConfig(AppConfig):
    name = "ecsviz"
    verbose_name = "ECS simulator"

    def ready(self) -> None:
        from ecsviz.catalog import sync_instance_types_after_migrate

        # The catalog follows data/instance_types.json on every migrate, on every database.
        post_migrate.connect(sync_instance_types_after_migrate, sender=self)
