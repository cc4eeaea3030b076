"""The dashboard's forms: they read and shape input; the control plane decides what is valid.

Each form turns what a person typed into the keyword arguments of one control-plane function. Rules
(names, capacity, placement) are never re-checked here, so an error reads the same in the dashboard
as in the ECS API.
"""

from __future__ import annotations

import json
import re

from django import forms
from django.core.exceptions import ValidationError

from ecsviz.models import InstanceType, TaskDefinition
from ecsviz.validation import NAME_RE

# Fields DescribeTaskDefinition adds that RegisterTaskDefinition does not take.
DESCRIBE_ONLY_FIELDS = (
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
)
ZONE_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d[a-z]$")

# The console's placement templates (Run task > Task placement), as ECS API JSON.
STRATEGY_TEMPLATES = {
    "az-spread": (
        "AZ balanced spread",
        [
            {"type": "spread", "field": "attribute:ecs.availability-zone"},
            {"type": "spread", "field": "instanceId"},
        ],
    ),
    "az-binpack": (
        "AZ balanced binpack",
        [
            {"type": "spread", "field": "attribute:ecs.availability-zone"},
            {"type": "binpack", "field": "memory"},
        ],
    ),
    "binpack": ("Binpack", [{"type": "binpack", "field": "memory"}]),
    "one-per-host": ("One task per host", []),
    "random": ("Random", [{"type": "random"}]),
    "custom": ("Custom (JSON below)", None),
}


# botocore's report: 'Invalid type for parameter a[0].b, ...', 'Unknown parameter in a[0]: "b"',
# 'Missing required parameter in input: "a"'.
BOTOCORE_PATH = re.compile(
    r'parameter (?:in (?P<parent>[\w\[\].]+): "(?P<member>\w+)"|(?P<path>[\w\[\].]+))'
)


def json_error_path(message: str, definition: dict, prefix: str = "") -> str:
    """Where in the uploaded JSON an ECS message points, for the inline error.

    ECS's messages name a container or a field; this finds the matching path in what was sent.
    """
    if match := BOTOCORE_PATH.search(message):
        # botocore's shape report names the member itself ("input" is the top level).
        parent, member = match.group("parent"), match.group("member")
        path = match.group("path") or (member if parent == "input" else f"{parent}.{member}")
        return prefix + path
    containers = definition.get("containerDefinitions") or []
    if match := re.search(r"container '([^']*)'", message):
        for i, container in enumerate(containers):
            if isinstance(container, dict) and container.get("name") == match.group(1):
                return f"{prefix}containerDefinitions[{i}]"
    if message.startswith("Container name "):
        for i, container in enumerate(containers):
            if isinstance(container, dict) and not NAME_RE.match(str(container.get("name", ""))):
                return f"{prefix}containerDefinitions[{i}].name"
    if match := re.match(r"Container\.(\w+) ", message):
        for i, container in enumerate(containers):
            if isinstance(container, dict) and not container.get(match.group(1)):
                return f"{prefix}containerDefinitions[{i}].{match.group(1)}"
    for needle, path in (
        ("Family", "family"),
        ("'cpu'", "cpu"),
        ("'memory'", "memory"),
        ("network mode", "networkMode"),
        ("requiresCompatibilities", "requiresCompatibilities"),
        ("onstraint", "placementConstraints"),
        ("ontainer", "containerDefinitions"),
    ):
        if needle in message:
            return prefix + path
    return prefix.rstrip(".") or "$"


class TaskDefinitionUploadForm(forms.Form):
    """A task definition as a file or pasted JSON: RegisterTaskDefinition input or describe output."""

    file = forms.FileField(required=False, label="JSON file")
    text = forms.CharField(
        required=False,
        label="or paste JSON",
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
    )

    definition: dict
    path_prefix = ""

    def clean(self) -> dict:
        data = super().clean()
        raw = data.get("text") or ""
        if data.get("file"):
            raw = data["file"].read().decode("utf-8", errors="replace")
        if not raw.strip():
            raise ValidationError("Choose a file or paste the JSON.")
        try:
            body = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                f"$ (line {exc.lineno}, column {exc.colno}): not valid JSON: {exc.msg}."
            ) from None
        if not isinstance(body, dict):
            raise ValidationError("$: expected a JSON object.")
        if isinstance(body.get("taskDefinition"), dict):
            # describe-task-definition output: its tags sit beside the wrapper.
            tags = body.get("tags")
            body = {
                k: v for k, v in body["taskDefinition"].items() if k not in DESCRIBE_ONLY_FIELDS
            }
            if tags:
                body["tags"] = tags
            self.path_prefix = "taskDefinition."
        self.definition = body
        return data

    def add_ecs_error(self, message: str) -> None:
        """ECS's message, prefixed with where it points (and the value there, if it is text)."""
        path = json_error_path(message, self.definition, self.path_prefix)
        value = value_at(self.definition, path.removeprefix(self.path_prefix))
        shown = f" = {json.dumps(value)}" if isinstance(value, str | int) else ""
        self.add_error(None, f"{path}{shown}: {message}")


def value_at(document: object, path: str) -> object:
    """The value at a path such as `containerDefinitions[0].name`, or None."""
    for part in re.findall(r"[^.\[\]]+", path):
        if isinstance(document, list) and part.isdigit() and int(part) < len(document):
            document = document[int(part)]
        elif isinstance(document, dict):
            document = document.get(part)
        else:
            return None
    return document


class RunTaskForm(forms.Form):
    """RunTask's inputs: what, how many, and where (strategy chain and constraints)."""

    task_definition = forms.ModelChoiceField(
        queryset=TaskDefinition.objects.filter(status="ACTIVE").order_by("family", "-revision"),
        empty_label=None,
    )
    count = forms.IntegerField(min_value=1, max_value=10, initial=1)
    strategy = forms.ChoiceField(
        choices=[(key, label) for key, (label, _) in STRATEGY_TEMPLATES.items()],
        initial="az-spread",
    )
    custom_strategy = forms.CharField(
        required=False,
        label="Custom strategy (JSON list)",
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
    )
    distinct_instance = forms.BooleanField(required=False, label="distinctInstance")
    member_of = forms.CharField(required=False, label="memberOf expression", max_length=2000)
    group = forms.CharField(required=False, max_length=255)

    def clean_custom_strategy(self) -> list | None:
        raw = self.cleaned_data.get("custom_strategy") or ""
        if not raw.strip():
            return None
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"Not valid JSON: {exc.msg}.") from None
        if not isinstance(value, list):
            raise ValidationError('Expected a list such as [{"type": "binpack", "field": "cpu"}].')
        return value

    def placement_strategy(self) -> list:
        key = self.cleaned_data["strategy"]
        if key == "custom":
            return self.cleaned_data.get("custom_strategy") or []
        return STRATEGY_TEMPLATES[key][1]

    def placement_constraints(self) -> list:
        constraints = []
        if self.cleaned_data.get("distinct_instance") or self.cleaned_data["strategy"] == (
            "one-per-host"
        ):
            constraints.append({"type": "distinctInstance"})
        if expression := self.cleaned_data.get("member_of", "").strip():
            constraints.append({"type": "memberOf", "expression": expression})
        return constraints


def parse_attributes(text: str) -> dict[str, str | None]:
    """`name=value` (or a bare `name`) per line, as custom attributes."""
    attributes: dict[str, str | None] = {}
    for line in text.splitlines():
        if line.strip():
            name, sep, value = line.strip().partition("=")
            attributes[name.strip()] = value.strip() if sep else None
    return attributes


class AddInstanceForm(forms.Form):
    """RegisterContainerInstance from the dashboard: a type from the catalog, an AZ, attributes."""

    instance_type = forms.ChoiceField(choices=[])
    availability_zone = forms.CharField(max_length=32, initial="us-east-1a")
    attributes = forms.CharField(
        required=False,
        label="Custom attributes (name=value per line)",
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        names = InstanceType.objects.order_by("family", "vcpus").values_list("name", flat=True)
        self.fields["instance_type"].choices = [(n, n) for n in names]
        self.fields["instance_type"].initial = "m5.large"

    def clean_availability_zone(self) -> str:
        zone = self.cleaned_data["availability_zone"].strip()
        if not ZONE_RE.match(zone):
            raise ValidationError("An availability zone looks like us-east-1a.")
        return zone

    def clean_attributes(self) -> dict[str, str | None]:
        return parse_attributes(self.cleaned_data.get("attributes") or "")


class WhatIfForm(forms.Form):
    """A capacity edit to preview: new registered CPU or memory, or a new instance type."""

    cpu = forms.IntegerField(required=False, min_value=1, label="CPU units")
    memory = forms.IntegerField(required=False, min_value=1, label="Memory (MiB)")
    instance_type = forms.ChoiceField(required=False, choices=[])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        names = InstanceType.objects.order_by("family", "vcpus").values_list("name", flat=True)
        self.fields["instance_type"].choices = [("", "(unchanged)")] + [(n, n) for n in names]

    def clean(self) -> dict:
        data = super().clean()
        if not (data.get("cpu") or data.get("memory") or data.get("instance_type")):
            raise ValidationError("Change the CPU, the memory or the instance type.")
        return data


class ClusterNameForm(forms.Form):
    """A cluster's name: a new one, or a sandbox copy."""

    name = forms.CharField(max_length=255)
