"""What the dashboard shows of a cluster, computed once in Python for pages and ticks alike.

The templates only print these values, so a full page, a resync snapshot and a single instance card
pushed over the websocket come from the same numbers and the same markup.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.text import slugify

from ecsviz.models import Cluster, ContainerInstance, Event, InstanceType, Task

LIVE_INSTANCE_STATES = ["ACTIVE", "DRAINING", "REGISTERING"]
# Nomad's topology view switches to dense tiles above 50 hosts; so do we.
DENSE_ABOVE = 50
PALETTE_SIZE = 12
TIMELINE_LENGTH = 50


def colour_of(name: str) -> int:
    """A stable palette slot per family or service, the same in every browser and every tick."""
    return zlib.crc32(name.encode()) % PALETTE_SIZE


def abbreviation(name: str) -> str:
    """A chip's text: the initials of a family or service (web-static -> WS), for the back row."""
    words = [w for w in re.split(r"[-_.:\s]+", name) if w]
    if len(words) == 1:
        return words[0][:3].upper()
    return "".join(w[0] for w in words[:3]).upper()


def percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def zone_dom_id(zone: str) -> str:
    return "zone-" + slugify(zone)


@dataclass(slots=True)
class Chip:
    """One task on its instance, sized by its reservation; plain values, no model instance."""

    task_id: str
    definition: str
    status: str
    cpu: int
    memory: int
    label: str
    short: str
    colour: int
    width: float
    pending: bool

    @property
    def title(self) -> str:
        return f"{self.definition} · {self.status} · {self.cpu} CPU · {self.memory} MiB · why here?"


@dataclass
class Card:
    """One container instance as the grid draws it."""

    instance: ContainerInstance
    chips: list[Chip] = field(default_factory=list)
    task_count: int = 0

    @property
    def cpu_percent(self) -> int:
        return percent(self.instance.reserved_cpu, self.instance.registered_cpu)

    @property
    def memory_percent(self) -> int:
        return percent(self.instance.reserved_memory, self.instance.registered_memory)

    @property
    def host_ports(self) -> list:
        reserved = set(self.instance.registered_ports)
        return [port for port in self.instance.remaining_ports if port not in reserved]

    @property
    def empty(self) -> bool:
        return not self.task_count


def share(cpu: int, memory: int, registered_cpu: int, registered_memory: int) -> float:
    """A chip's width in % of its card: the larger of its CPU and memory shares."""
    cpu_share = cpu / registered_cpu if registered_cpu else 0
    memory_share = memory / registered_memory if registered_memory else 0
    return round(min(100.0, 100 * max(cpu_share, memory_share)), 1)


PENDING_STATES = ("PROVISIONING", "PENDING", "ACTIVATING")
CHIP_FIELDS = (
    "container_instance_id",
    "task_id",
    "last_status",
    "cpu",
    "memory",
    "task_definition__family",
    "task_definition__revision",
    "service__name",
)


def live_tasks(cluster: Cluster, instance_ids: list[int] | None = None):
    """Tasks that hold a place on an instance: desired RUNNING, or stopping but not yet stopped."""
    tasks = Task.objects.filter(cluster=cluster).exclude(last_status="STOPPED")
    if instance_ids is not None:
        tasks = tasks.filter(container_instance_id__in=instance_ids)
    return tasks.order_by("created_at", "id")


def build_cards(
    cluster: Cluster, instances: list[ContainerInstance], *, chips: bool = True
) -> list[Card]:
    """Cards for these instances, in one query for all their tasks (counts only if not chips).

    Rows are read as tuples: at 20,000 tasks, model instances would cost more than the page.
    """
    cards = {instance.pk: Card(instance) for instance in instances}
    ids = None if len(cards) > 500 else list(cards)
    if not chips:
        rows = live_tasks(cluster, ids).values_list("container_instance_id", flat=True)
        for pk in rows.order_by():
            if (card := cards.get(pk)) is not None:
                card.task_count += 1
        return list(cards.values())
    for pk, task_id, status, cpu, memory, family, revision, service in live_tasks(
        cluster, ids
    ).values_list(*CHIP_FIELDS):
        card = cards.get(pk)
        if card is None:
            continue
        label = service or family
        instance = card.instance
        card.chips.append(
            Chip(
                task_id,
                f"{family}:{revision}",
                status,
                cpu,
                memory,
                label,
                abbreviation(label),
                colour_of(label),
                share(cpu, memory, instance.registered_cpu, instance.registered_memory),
                status in PENDING_STATES,
            )
        )
        card.task_count += 1
    return list(cards.values())


def live_instances(cluster: Cluster):
    """The instances the grid draws; their attribute maps are not drawn, so not read."""
    return (
        ContainerInstance.objects.filter(cluster=cluster, status__in=LIVE_INSTANCE_STATES)
        .defer("attributes", "custom_attributes")
        .order_by("availability_zone", "registered_at", "id")
    )


def totals(cluster: Cluster) -> dict:
    """The headline figures: counts, % reserved and $/hour, as database aggregates.

    Aggregates keep a tick's cost flat however many instances and tasks the cluster has.
    """
    live = ContainerInstance.objects.filter(cluster=cluster, status__in=LIVE_INSTANCE_STATES)
    sums = live.aggregate(
        instances=Count("id"),
        cpu=Sum("registered_cpu", default=0),
        cpu_left=Sum("remaining_cpu", default=0),
        memory=Sum("registered_memory", default=0),
        memory_left=Sum("remaining_memory", default=0),
    )
    by_type = dict(live.order_by().values_list("instance_type").annotate(n=Count("id")))
    prices = InstanceType.objects.filter(name__in=by_type).values_list("name", "price_per_hour")
    cost = sum((price * by_type[name] for name, price in prices), Decimal(0))
    counts = Task.objects.filter(cluster=cluster).aggregate(
        tasks=Count("id", filter=Q(desired_status="RUNNING")),
        pending=Count("id", filter=Q(last_status="PENDING")),
    )
    cpu_used = sums["cpu"] - sums["cpu_left"]
    memory_used = sums["memory"] - sums["memory_left"]
    return {
        **counts,
        "instances": sums["instances"],
        "cpu_percent": percent(cpu_used, sums["cpu"]),
        "memory_percent": percent(memory_used, sums["memory"]),
        "cpu_used": cpu_used,
        "cpu": sums["cpu"],
        "memory_used": memory_used,
        "memory": sums["memory"],
        "cost": cost.quantize(Decimal("0.01")),
    }


def legend_of(cluster: Cluster) -> list[tuple[str, int, int, str]]:
    """(label, palette slot, task count, chip text) for every family or service on the grid."""
    counts: dict[str, int] = {}
    rows = live_tasks(cluster).exclude(container_instance=None).order_by()
    grouped = rows.values_list("service__name", "task_definition__family").annotate(n=Count("id"))
    for service, family, n in grouped:
        label = service or family
        counts[label] = counts.get(label, 0) + n
    return [
        (label, colour_of(label), n, abbreviation(label)) for label, n in sorted(counts.items())
    ]


def legend_from(cards: list[Card]) -> list[tuple[str, int, int, str]]:
    """The legend from cards already built with their chips (no second query)."""
    counts: dict[str, int] = {}
    for card in cards:
        for chip in card.chips:
            counts[chip.label] = counts.get(chip.label, 0) + 1
    return [
        (label, colour_of(label), n, abbreviation(label)) for label, n in sorted(counts.items())
    ]


def timeline(cluster: Cluster, kind: str = "", after_seq: int = 0) -> list[Event]:
    """The newest events first; `kind` keeps those whose kind starts with it (task, instance...)."""
    events = Event.objects.filter(cluster=cluster, seq__gt=after_seq)
    if kind:
        events = events.filter(kind__startswith=kind)
    return list(events.order_by("-seq")[:TIMELINE_LENGTH])


def unplaced(cluster: Cluster) -> list[dict]:
    """Recent runs that left tasks unplaced, newest first: the event and ECS's reasons, counted.

    A failure entry names one refusing instance, so one unplaced task can bring one per instance;
    grouping them reads as one line with a count instead of eight lines.
    """
    rows = []
    events = Event.objects.filter(cluster=cluster, payload__has_key="failures")
    for event in events.order_by("-seq")[:20]:
        reasons: dict[str, int] = {}
        for failure in event.payload.get("failures") or []:
            reasons[failure.get("reason", "?")] = reasons.get(failure.get("reason", "?"), 0) + 1
        if reasons:
            rows.append({"event": event, "reasons": sorted(reasons.items())})
    return rows[:5]


def event_kinds(cluster: Cluster) -> list[str]:
    """The kinds' first words (cluster, instance, task...), for the timeline's filter."""
    kinds = Event.objects.filter(cluster=cluster).values_list("kind", flat=True).distinct()
    return sorted({kind.split(".")[0] for kind in kinds})


def is_dense(count: int, requested: str | None) -> bool:
    """Dense tiles when asked (?dense=1), or by default above DENSE_ABOVE instances."""
    if requested in ("0", "1"):
        return requested == "1"
    return count > DENSE_ABOVE


def zones_of(cards: list[Card]) -> list[dict]:
    """One column per availability zone, in name order, with a stable element id."""
    zones: dict[str, list[Card]] = {}
    for card in cards:
        zones.setdefault(card.instance.availability_zone, []).append(card)
    return [
        {"name": name, "dom_id": zone_dom_id(name), "cards": zones[name]} for name in sorted(zones)
    ]


def base_url(cluster: Cluster) -> str:
    """The cluster page's URL; card links append to it (reversing per chip costs too much)."""
    return reverse("cluster_detail", args=[cluster.name])


def snapshot(cluster: Cluster, *, dense: str | None = None, kind: str = "") -> dict:
    """Everything the cluster page's live region shows, read after the sequence number.

    The sequence number is read first: the state read afterwards is at least that new, so a tick
    that starts from it can never skip a change.
    """
    seq = Cluster.objects.values_list("event_seq", flat=True).get(pk=cluster.pk)
    instances = list(live_instances(cluster))
    tiles = is_dense(len(instances), dense)
    cards = build_cards(cluster, instances, chips=not tiles)
    return {
        "cluster": cluster,
        "base": base_url(cluster),
        "seq": seq,
        "dense": tiles,
        "zones": zones_of(cards),
        "totals": totals(cluster),
        "legend": legend_of(cluster) if tiles else legend_from(cards),
        "events": timeline(cluster, kind),
        "kind": kind,
        "kinds": event_kinds(cluster),
        "unplaced": unplaced(cluster),
    }
