"""Django admin: every model is registered and its pages load."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.factories import make_task_definition

pytestmark = pytest.mark.django_db

ECSVIZ_MODELS = list(apps.get_app_config("ecsviz").get_models())


def test_every_model_is_registered():
    """Nothing in the data model is missing from the admin."""
    assert ECSVIZ_MODELS
    for model in ECSVIZ_MODELS:
        assert admin.site.is_registered(model), model.__name__


@pytest.mark.parametrize("model", ECSVIZ_MODELS, ids=lambda m: m.__name__)
def test_changelists_load_with_their_filters(admin_client, balanced_cluster, model):
    """Each list page renders with rows present, and its first filter applies."""
    make_task_definition(family="web")
    url = reverse(f"admin:ecsviz_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200
    model_admin = admin.site._registry[model]
    if model_admin.list_filter:
        field = model_admin.list_filter[0]
        value = model.objects.values_list(field, flat=True).first()
        if value is not None:
            assert admin_client.get(url, {field: value}).status_code == 200


def test_a_container_instance_change_page_loads(admin_client, balanced_cluster):
    """The change form of a registered instance renders."""
    instance = balanced_cluster.container_instances.first()
    url = reverse("admin:ecsviz_containerinstance_change", args=[instance.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert instance.ec2_instance_id in response.content.decode()
