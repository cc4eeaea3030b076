from __future__ import annotations

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class EcsvizConfig(AppConfig):
    name = "ecsviz"
    verbose_name = "ECS simulator"

    def ready(self) -> None:
        from ecsviz.catalog import sync_instance_types_after_migrate
        from ecsviz.sqlite_checkpoints import on_connection_created

        # The catalog follows data/instance_types.json on every migrate, on every database.
        post_migrate.connect(sync_instance_types_after_migrate, sender=self)
        # A SQLite file's WAL checkpoints run on a background thread, not inside commits.
        connection_created.connect(on_connection_created, dispatch_uid="ecsviz-sqlite-checkpoints")
