"""One tick: the bytes that bring a browser from sequence number A to B, small whatever the cluster.

A tick sends only what the events since the last tick touched: the changed instance cards (or a
whole zone when instances came or went), the totals, the legend and the new timeline entries. Each
top-level element carries `hx-swap-oob`, so htmx's ws extension swaps it by its stable id. The
leading comment names the span, `<!--tick from=A seq=B-->`, for the browser's gap check.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.template.loader import get_template

from ecsviz.live import grid
from ecsviz.models import Cluster, ContainerInstance, Event

PAGE = "ecsviz/cluster_detail.html"
# Above this many changed cards one grid swap is cheaper for htmx than many small ones (htmx #1803).
MAX_CARD_SWAPS = 40
INSTANCE_KEYS = ("instance", "instances", "container_instance", "container_instances")
TASK_KEYS = ("task", "tasks")


@dataclass
class Changes:
    """What a run of events touched, by ECS ids."""

    instances: set[str] = field(default_factory=set)
    tasks: set[str] = field(default_factory=set)
    zones_changed: bool = False
    unknown: bool = False
    failures: bool = False


def ids_in(value: object) -> list[str]:
    """ECS ids from a payload value: one id or ARN, or a list of them."""
    values = value if isinstance(value, list) else [value]
    return [str(v).rsplit("/", 1)[-1] for v in values if v]


def changes_in(events: list[Event]) -> Changes:
    """Read the ids each event's payload names; an event naming none forces a full grid."""
    changes = Changes()
    for event in events:
        payload = event.payload or {}
        named = False
        for key in INSTANCE_KEYS:
            changes.instances.update(ids_in(payload.get(key)))
            named = named or key in payload
        for key in TASK_KEYS:
            changes.tasks.update(ids_in(payload.get(key)))
            named = named or key in payload
        changes.failures = changes.failures or "failures" in payload
        # Registration and deregistration move cards in or out of a zone column.
        if event.kind in ("instance.registered", "instance.deregistered"):
            changes.zones_changed = True
        if not named and not event.kind.startswith("cluster."):
            changes.unknown = True
    return changes


def touched_instances(cluster: Cluster, changes: Changes) -> list[ContainerInstance]:
    """The instances named directly or through their tasks, live or not."""
    from ecsviz.models import Task

    pks = set(
        Task.objects.filter(cluster=cluster, task_id__in=changes.tasks)
        .exclude(container_instance=None)
        .values_list("container_instance_id", flat=True)
    )
    return list(
        ContainerInstance.objects.filter(cluster=cluster).filter(instance_id__in=changes.instances)
        | ContainerInstance.objects.filter(cluster=cluster, pk__in=pks)
    )


@dataclass
class Tick:
    """The rendered messages of one tick, by display mode ('dense' or 'cards')."""

    from_seq: int
    seq: int
    messages: dict[str, str]


def read_tick(cluster_id: int, after_seq: int, modes: set[str]) -> Tick | None:
    """Render the tick from `after_seq` to now for each mode, or None when nothing happened."""
    cluster = Cluster.objects.get(pk=cluster_id)
    seq = cluster.event_seq
    if seq <= after_seq:
        return None
    events = list(
        Event.objects.filter(cluster=cluster, seq__gt=after_seq, seq__lte=seq).order_by("-seq")
    )
    changes = changes_in(events)
    context = {
        "cluster": cluster,
        "base": grid.base_url(cluster),
        "seq": seq,
        "totals": grid.totals(cluster),
        "oob": True,
        "from_seq": after_seq,
        "events": events[: grid.TIMELINE_LENGTH],
    }
    context["legend"] = grid.legend_of(cluster)
    touched = [] if changes.unknown else touched_instances(cluster, changes)
    messages = {mode: render(cluster, changes, touched, context, mode) for mode in modes}
    return Tick(after_seq, seq, messages)


def render(
    cluster: Cluster, changes: Changes, touched: list[ContainerInstance], context: dict, mode: str
) -> str:
    """The tick's markup for one display mode."""
    context = {**context, "dense": mode == "dense"}
    parts = [f"<!--tick from={context['from_seq']} seq={context['seq']}-->"]
    if changes.unknown or changes.zones_changed or len(touched) > MAX_CARD_SWAPS:
        instances = list(grid.live_instances(cluster))
        cards = grid.build_cards(cluster, instances, chips=mode != "dense")
        context["zones"] = grid.zones_of(cards)
        parts.append(partial("grid", context))
    else:
        live = {i.pk for i in touched if i.status in grid.LIVE_INSTANCE_STATES}
        changed = [i for i in touched if i.pk in live]
        for card in grid.build_cards(cluster, changed, chips=mode != "dense"):
            parts.append(partial("card", {**context, "card": card}))
        parts.extend(
            f'<div id="instance-{i.instance_id}" hx-swap-oob="delete"></div>'
            for i in touched
            if i.pk not in live
        )
    parts.append(partial("legend", context))
    parts.append(partial("totals", context))
    parts.append(partial("timeline-entries", context))
    if changes.failures:
        parts.append(partial("unplaced", {**context, "unplaced": grid.unplaced(cluster)}))
    return "".join(parts)


def partial(name: str, context: dict) -> str:
    return get_template(f"{PAGE}#{name}").render(context)
