"""What the ASGI application does once, when the server imports it."""

from __future__ import annotations

import gc

from ecsviz.api.model import service_model


def test_startup_objects_are_left_out_of_garbage_collection():
    import ecsviz.asgi  # noqa: F401  (the import is the server's start)

    # Django, the apps and the ECS model: tens of thousands of objects no full collection walks.
    assert gc.get_freeze_count() > 50_000
    # The model was loaded before the freeze, not by the first API call.
    assert service_model.cache_info().currsize == 1
