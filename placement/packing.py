"""How a chain's keys pack into one integer per instance, and the labelled scores read back.

The last strategy takes the lowest bits, each earlier one the bits above it, so comparing packed
keys compares the chain lexicographically. Where each key sits (its shift and mask), what a
proposal adds to the chosen instance's packed key, and the scores of a packed key depend only
on the chain's labels and each key's bit width, step and score arithmetic: a workload repeats a
handful of these, so each layout is worked out once and shared by the requests that pack alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import NamedTuple

from placement.results import StrategyScore
from placement.strategies import Keys

__all__ = ["KeyLayout", "Scores", "key_layout"]

# tuple.__new__ builds a named tuple without its class's Python-level __new__.
_new = tuple.__new__
# What of a strategy's keys decides the layout: bits, step, score_mask, score_offset.
_SHAPE = itemgetter(1, 2, 4, 5)


class Scores:
    """The labelled scores of packed keys under one layout of the keys.

    Its own object, not the ranker's methods, so that ValueTies can hold it without a cycle.
    """

    def __init__(self, labels: tuple[str, ...], ends_random: bool, unpack: tuple) -> None:
        self.labels, self.ends_random, self.unpack = labels, ends_random, unpack
        self._known: dict[int, tuple[StrategyScore, ...]] = {}
        # What ``of`` reads for each key of the chain, and the score a random end adds.
        self._parts = tuple(zip(labels, unpack, strict=False))  # random has no key part
        self._last = (_new(StrategyScore, (labels[-1], None)),) if ends_random else ()
        if len(self._parts) == 2 and not ends_random:  # the chains of two keys ECS shows
            self._label = self._label_two  # type: ignore[method-assign]

    def of(self, key: int) -> tuple[StrategyScore, ...]:
        """Each strategy's score, labelled, for a packed key."""
        scores = self._known.get(key)
        if scores is None:
            if len(self._known) >= _MAX_SCORES:
                self._known.clear()
            scores = self._known[key] = self._label(key)
        return scores

    def _label(self, key: int) -> tuple[StrategyScore, ...]:
        # labelled(keys_of(key)), in one pass: a binpack key is new at most decisions.
        found = [
            _new(StrategyScore, (label, ((key >> shift) & mask) + offset))
            for label, (shift, mask, offset) in self._parts
        ]
        return (*found, *self._last)

    def _label_two(self, key: int) -> tuple[StrategyScore, ...]:
        # _label for two keys and no random end, written out: no list to build.
        (first, (shift, mask, offset)), (second, (shift_2, mask_2, offset_2)) = self._parts
        return (
            _new(StrategyScore, (first, ((key >> shift) & mask) + offset)),
            _new(StrategyScore, (second, ((key >> shift_2) & mask_2) + offset_2)),
        )

    def keys_of(self, key: int) -> tuple[int | None, ...]:
        """Each strategy's score for a packed key (None for random)."""
        found = [((key >> shift) & mask) + offset for shift, mask, offset in self.unpack]
        return (*found, None) if self.ends_random else tuple(found)

    def labelled(self, keys: tuple[int | None, ...]) -> tuple[StrategyScore, ...]:
        """The scores with their strategies' labels."""
        return tuple([_new(StrategyScore, pair) for pair in zip(self.labels, keys, strict=True)])


class KeyLayout(NamedTuple):
    """Where each strategy's key sits in the packed key, and what a proposal adds to it."""

    # Whether the keys fit in one packed key; when not, each keeps its own column and every
    # shift is 0.
    packed: bool
    shifts: tuple[int, ...]
    # Per key: (shift, mask, offset), its score being ``((key >> shift) & mask) + offset``.
    unpack: tuple[tuple[int, int, int], ...]
    # What a proposal adds to the chosen row's packed key: its keys' steps, summed (0 when
    # not packed: each column then moves by its own step).
    own: int
    scores: Scores


def key_layout(
    labels: tuple[str, ...], ends_random: bool, started: Sequence[Keys], max_bits: int
) -> KeyLayout:
    """The layout of a chain's keys at the start of a request, packed when their bit widths
    add up to at most ``max_bits``."""
    # C-level: the map and the tuple build the whole key without a Python loop.
    shape = (labels, ends_random, max_bits, *map(_SHAPE, started))
    layout = _LAYOUTS.get(shape)
    if layout is None:
        if len(_LAYOUTS) >= _MAX_LAYOUTS:
            _LAYOUTS.clear()
        layout = _LAYOUTS[shape] = _work_out(labels, ends_random, started, max_bits)
    return layout


def _work_out(
    labels: tuple[str, ...], ends_random: bool, started: Sequence[Keys], max_bits: int
) -> KeyLayout:
    shifts, shift = [0] * len(started), 0
    for k in range(len(started) - 1, -1, -1):
        shifts[k], shift = shift, shift + started[k].bits
    packed = shift <= max_bits
    if not packed:
        shifts = [0] * len(started)
    unpack, own = [], 0
    for keys, shift in zip(started, shifts, strict=True):
        if packed:
            unpack.append((shift, ((1 << keys.bits) - 1) & keys.score_mask, keys.score_offset))
            own += keys.step << shift  # a negative step shifts as a negative int
        else:
            unpack.append((0, keys.score_mask, keys.score_offset))
    return KeyLayout(
        packed, tuple(shifts), tuple(unpack), own, Scores(labels, ends_random, tuple(unpack))
    )


# The layouts by shape (labels, random end, bit budget, and each key's bits, step and score
# arithmetic), and the known scores per layout: requests that pack their keys alike share
# them, and the same few keys recur from request to request.
_LAYOUTS: dict[tuple, KeyLayout] = {}
_MAX_LAYOUTS, _MAX_SCORES = 256, 4096
