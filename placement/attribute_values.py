"""What ``ClusterState`` derives from one attribute's values, cached per attribute name.

Spreads over an attribute read each instance's value as a code, the rows grouped by value, and
the tasks of a group per value; these are built once per attribute (the values are fixed until
``update_instance``) and, for the counts, kept current by ``ClusterState._change_tasks``.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import repeat
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from placement.inputs import Instance

__all__ = ["AttributeValues"]


class ValueOrder(NamedTuple):
    """The rows grouped by value of one attribute, input order within a value (read-only)."""

    rows: np.ndarray  # the rows in that order
    row_list: list[int]  # the same, as a list
    starts: list[int]  # where each value's rows start in it (one more entry: the end)
    place: list[int]  # each row's place in it
    present: list[int]  # the values that have rows
    # Arrays, as the NumPy calls that take them would otherwise convert lists every request:
    firsts: np.ndarray  # where each of those values' rows start
    edges: np.ndarray  # the same, then the end
    sizes: np.ndarray  # how many rows each of those values has


# The most combinations of attribute values mask_by_values codes in one int64.
_MAX_COMBINATIONS = 1 << 62


class AttributeValues:
    """The per-attribute caches of ``ClusterState`` (a base class: it reads the state's rows)."""

    _base: list

    def group_counts(self, group: str) -> np.ndarray:
        """Tasks of ``group`` on each instance (``ClusterState`` keeps the columns)."""
        raise NotImplementedError

    def _clear_value_caches(self) -> None:
        self._attribute_codes: dict[str, tuple[np.ndarray, tuple[str, ...]]] = {}
        self._value_masks: dict[str, list[np.ndarray]] = {}
        self._increments: dict[tuple[str, int], list[np.ndarray]] = {}
        # Per group, per attribute name: tasks of the group per value (lists: apply changes one
        # count at a time, and a request reads the handful of values at once).
        self._value_counts: dict[str, dict[str, list[int]]] = {}
        self._code_lists: dict[str, list[int]] = {}
        self._value_orders: dict[str, ValueOrder] = {}

    def attribute_codes(self, name: str) -> tuple[np.ndarray, tuple[str, ...]]:
        """Each instance's value of attribute ``name`` as an index into the returned values.

        Instances without the attribute (or with a name-only capability) get ``len(values)``.
        """
        cached = self._attribute_codes.get(name)
        if cached is None:
            raw = [inst.attributes.get(name) for inst in self._base]
            found = set(raw)
            found.discard(None)
            values = tuple(sorted(found))
            index = {value: k for k, value in enumerate(values)}
            # map over dict.get with its default: no Python-level call per instance.
            missing = repeat(len(values))
            codes = np.fromiter(map(index.get, raw, missing), np.int64, len(raw))
            cached = self._attribute_codes[name] = (codes, values)
        return cached

    def value_masks(self, name: str) -> list[np.ndarray]:
        """One boolean column per value of ``attribute_codes(name)``, the missing value last."""
        masks = self._value_masks.get(name)
        if masks is None:
            codes, values = self.attribute_codes(name)
            masks = self._value_masks[name] = [codes == k for k in range(len(values) + 1)]
        return masks

    def value_increments(self, name: str, weight: int) -> list[np.ndarray]:
        """Per value of ``attribute_codes(name)``: ``weight`` where an instance has it, else 0.

        What a spread over the attribute adds to every key when a task lands on that value;
        the same for every request whose keys are packed alike (read-only).
        """
        made = self._increments.get((name, weight))
        if made is None:
            masks = self.value_masks(name)
            made = self._increments[name, weight] = [m.astype(np.int64) * weight for m in masks]
        return made

    def value_counts(self, name: str, group: str) -> list[int]:
        """Tasks of ``group`` per value of attribute ``name`` (missing value last; read-only)."""
        by_name = self._value_counts.setdefault(group, {})
        counts = by_name.get(name)
        if counts is None:
            codes, values = self.attribute_codes(name)
            tally = np.zeros(len(values) + 1, dtype=np.int64)
            np.add.at(tally, codes, self.group_counts(group))
            counts = by_name[name] = tally.tolist()
            self._code_lists.setdefault(name, codes.tolist())
        return counts

    def value_order(self, name: str) -> ValueOrder:
        """The rows grouped by value of ``attribute_codes(name)``, input order within a value.

        Returns the order, where each value's rows start in it and each row's place in it,
        with the same for the values that have rows (``ValueOrder``; all read-only).
        """
        cached = self._value_orders.get(name)
        if cached is None:
            codes, values = self.attribute_codes(name)
            order = np.argsort(codes, kind="stable")
            sizes = np.bincount(codes, minlength=len(values) + 1).tolist()
            starts = [0]
            for size in sizes:
                starts.append(starts[-1] + size)
            place = [0] * len(order)
            for k, row in enumerate(order.tolist()):
                place[row] = k
            present = [value for value, size in enumerate(sizes) if size]
            firsts = [starts[value] for value in present]
            cached = self._value_orders[name] = ValueOrder(
                order,
                order.tolist(),
                starts,
                place,
                present,
                np.array(firsts, np.intp),
                np.array([*firsts, len(order)], np.intp),
                np.array([sizes[value] for value in present], np.intp),
            )
        return cached

    def mask_by_values(
        self, query: Callable[[Instance], bool], names: tuple[str, ...]
    ) -> np.ndarray:
        """``query`` of every instance, when only the values of attributes ``names`` decide
        it: asked once per combination of values that some instance has (a fleet has a
        handful), and spread to the instances with that combination."""
        combined, combinations = None, 1
        for name in names:
            codes, values = self.attribute_codes(name)
            combinations *= len(values) + 1  # a missing or name-only value is one more
            if combinations > _MAX_COMBINATIONS:  # so many: ask each instance
                return np.array([query(instance) for instance in self._base], dtype=bool)
            combined = codes if combined is None else combined * (len(values) + 1) + codes
        _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
        answers = [query(self._base[i]) for i in first.tolist()]
        return np.array(answers, dtype=bool)[inverse]

    def code_list(self, name: str) -> list[int]:
        """``attribute_codes(name)``'s codes as a list, for reading one row at a time."""
        codes = self._code_lists.get(name)
        if codes is None:
            codes = self._code_lists[name] = self.attribute_codes(name)[0].tolist()
        return codes
