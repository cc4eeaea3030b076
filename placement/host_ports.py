"""The host ports ``ClusterState`` keeps per instance, and the "port taken" masks it caches.

Port sets stay per-instance Python sets (only the instance a task lands on ever changes); a
request for a static port reads a cached mask over every instance instead, which every change
to a port it covers keeps current.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from placement.inputs import Instance, TaskNeeds

__all__ = ["HostPorts"]

# The masks a port of each of an instance's sets can change: TCP, UDP, dynamic (both).
_PROTOCOLS = (("tcp",), ("udp",), ("tcp", "udp"))


class HostPorts:
    """The port part of ``ClusterState`` (a base class: it reads and writes the state's rows)."""

    _base: list[Instance]
    _tcp: list[set[int]]
    _udp: list[set[int]]
    _dynamic: list[set[int]]
    _last_dynamic: list[int | None]
    _port_masks: dict[tuple[str, int], np.ndarray]
    _masked_ports: set[int]
    dynamic_free_rows: memoryview
    reserved_rows: memoryview
    dynamic_floor: int
    reserved_ceiling: int
    # The lowest first port and the highest last port of any instance's dynamic range.
    _dynamic_low: int
    _dynamic_high: int

    def port_taken(self, protocol: str, port: int) -> np.ndarray:
        """True where ``port`` is reserved for ``protocol`` or bound dynamically."""
        key = (protocol, port)
        mask = self._port_masks.get(key)
        if mask is None:
            reserved = self._tcp if protocol == "tcp" else self._udp
            pairs = zip(reserved, self._dynamic, strict=True)
            mask = np.fromiter((port in r or port in d for r, d in pairs), bool)
            self._port_masks[key] = mask
            self._masked_ports.add(port)
        return mask

    def ports_in_use(self, i: int) -> tuple[set[int], set[int], set[int]]:
        """Instance ``i``'s dynamic, TCP and UDP ports in use (the agent skips them all)."""
        return self._dynamic[i], self._tcp[i], self._udp[i]

    def dynamic_ports(self, i: int) -> tuple[tuple[int, int], int | None, tuple[set[int], ...]]:
        """Instance ``i``'s dynamic range, the port handed out last and ``ports_in_use``."""
        return (
            self._base[i].dynamic_port_range,
            self._last_dynamic[i],
            (
                self._dynamic[i],
                self._tcp[i],
                self._udp[i],
            ),
        )

    def dynamic_port_range(self, i: int) -> tuple[int, int]:
        """The first and last port of instance ``i``'s dynamic range."""
        return self._base[i].dynamic_port_range

    def last_dynamic_port(self, i: int) -> int | None:
        """The dynamic port the agent on instance ``i`` handed out last."""
        return self._last_dynamic[i]

    # --- Writing -------------------------------------------------------------------------------

    def _change_static_ports(self, i: int, needs: TaskNeeds, sign: int) -> None:
        ports = self._tcp[i], self._udp[i], self._dynamic[i]
        for port in needs.static_ports:
            self._change_port(i, ports, 0, port, sign)
        for port in needs.static_ports_udp:
            self._change_port(i, ports, 1, port, sign)
        self.reserved_rows[i] = reserved = len(ports[0]) + len(ports[1])
        if reserved > self.reserved_ceiling:
            self.reserved_ceiling = reserved

    def _take_free_static_ports(self, rows: Iterable[int], needs: TaskNeeds) -> None:
        # _change_static_ports (+1) for rows the decision found free of every static port of
        # ``needs`` (in the port's own protocol's set and in the dynamic set), the state
        # unchanged since: each port is newly reserved, and its cached mask now reads taken.
        # Port by port, then row by row: the lookups are made once per port.
        for protocol, ports, own, other in (
            ("tcp", needs.static_ports, self._tcp, self._udp),
            ("udp", needs.static_ports_udp, self._udp, self._tcp),
        ):
            for port in ports:
                mask = self._port_masks.get((protocol, port))
                dynamic = self._dynamic_low <= port <= self._dynamic_high
                for i in rows:
                    own[i].add(port)
                    if mask is not None:
                        mask[i] = True
                    if dynamic and port not in other[i]:  # else the other protocol held it
                        self._count_in_range(i, port, -1)
        reserved_rows, tcp, udp = self.reserved_rows, self._tcp, self._udp
        for i in rows:
            reserved_rows[i] = reserved = len(tcp[i]) + len(udp[i])
            if reserved > self.reserved_ceiling:
                self.reserved_ceiling = reserved

    def _count_in_range(self, i: int, port: int, change: int) -> None:
        # A port newly taken (change -1) or freed (+1) on instance i: the free count of its
        # dynamic range moves, if the port is in it.
        first, last = self._base[i].dynamic_port_range
        if first <= port <= last:
            free = self.dynamic_free_rows
            free[i] = left = free[i] + change
            if left < self.dynamic_floor:
                self.dynamic_floor = left

    def _change_dynamic_ports(self, i: int, bindings: tuple, sign: int) -> None:
        ports, last = (self._tcp[i], self._udp[i], self._dynamic[i]), None
        for binding in bindings:
            if binding.dynamic:
                last = binding.host_port
                self._change_port(i, ports, 2, last, sign)
        if last is not None and sign > 0:
            self._last_dynamic[i] = last

    def _take_free_dynamic_ports(self, ports_of: Mapping[int, list[int]]) -> None:
        # _change_dynamic_ports (+1) for ports known to be in their row's range and free (a
        # ledger's dynamic ports per row).
        dynamic, last_dynamic, free = self._dynamic, self._last_dynamic, self.dynamic_free_rows
        masked, floor = self._masked_ports, self.dynamic_floor
        for i, ports in ports_of.items():
            dynamic[i].update(ports)
            last_dynamic[i] = ports[-1]
            free[i] = left = free[i] - len(ports)
            if left < floor:
                floor = left
            if masked and not masked.isdisjoint(ports):
                for port in ports:
                    for protocol in _PROTOCOLS[2]:
                        mask = self._port_masks.get((protocol, port))
                        if mask is not None:
                            mask[i] = True  # a dynamic port is taken whatever its protocol
        self.dynamic_floor = floor

    def _change_port(
        self, i: int, ports: tuple[set[int], set[int], set[int]], kind: int, port: int, sign: int
    ) -> None:
        # Add (sign > 0) or remove one port of instance i's TCP, UDP or dynamic set (``kind``
        # 0, 1, 2 of ``ports``), and keep the dynamic-range count and the cached "port taken"
        # masks in step. A port is taken while any of the three sets holds it.
        tcp, udp, dynamic = ports
        was_taken = port in tcp or port in udp or port in dynamic
        if sign > 0:
            ports[kind].add(port)
            changed = not was_taken
        else:
            ports[kind].discard(port)
            changed = was_taken and not (port in tcp or port in udp or port in dynamic)
        if changed:
            self._count_in_range(i, port, -sign)
        if port in self._masked_ports:
            # A dynamic port is taken whatever its protocol.
            for protocol in _PROTOCOLS[kind]:
                mask = self._port_masks.get((protocol, port))
                if mask is not None:
                    mask[i] = port in (tcp if protocol == "tcp" else udp) or port in dynamic
