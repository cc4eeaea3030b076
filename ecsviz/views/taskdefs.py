"""Uploading task definitions: RegisterTaskDefinition from a file or pasted JSON."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_POST

from ecsviz.api.model import operation_model, validate_input
from ecsviz.errors import EcsError
from ecsviz.forms import RunTaskForm, TaskDefinitionUploadForm
from ecsviz.services.taskdefs import task_definition_register
from ecsviz.views.base import HtmxHttpRequest, live_cluster, render_tool


@require_POST
def taskdef_upload(request: HtmxHttpRequest, name: str) -> HttpResponse:
    """Register the uploaded JSON as the next revision of its family, or say inline what is wrong."""
    cluster = live_cluster(name)
    form = TaskDefinitionUploadForm(request.POST, request.FILES)
    if form.is_valid():
        definition = dict(form.definition)
        tags = definition.pop("tags", None)
        try:
            # The shapes first, as the API checks them: the control plane takes typed input.
            validate_input(operation_model("RegisterTaskDefinition"), form.definition)
            registered = task_definition_register(definition=definition, tags=tags)
        except EcsError as exc:
            form.add_ecs_error(exc.message)
        else:
            return render_tool(
                request,
                cluster,
                "upload",
                upload_form=TaskDefinitionUploadForm(),
                registered=registered,
                # The run form's list gains the new revision, pre-selected.
                run_form=RunTaskForm(initial={"task_definition": registered.pk}),
            )
    return render_tool(request, cluster, "upload", status=400, upload_form=form)
