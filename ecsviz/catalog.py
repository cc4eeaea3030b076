"""The EC2 instance-type catalog, kept in data/instance_types.json and mirrored into the database."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings

CATALOG_PATH = Path(settings.BASE_DIR) / "data" / "instance_types.json"


@cache
def catalog_rows() -> tuple[dict, ...]:
    """The catalog's entries as dicts, read once per process."""
    return tuple(json.loads(CATALOG_PATH.read_text())["instance_types"])


def sync_instance_types(using: str = "default") -> int:
    """Insert or update every catalog entry; returns how many there are. Idempotent."""
    from ecsviz.models import InstanceType

    for row in catalog_rows():
        fields = {k: v for k, v in row.items() if k != "name"}
        fields["price_per_hour"] = Decimal(str(fields["price_per_hour"]))
        InstanceType.objects.using(using).update_or_create(name=row["name"], defaults=fields)
    return len(catalog_rows())


def sync_instance_types_after_migrate(using: str = "default", **kwargs: object) -> None:
    """post_migrate receiver: keep the table equal to the data file."""
    sync_instance_types(using=using)
