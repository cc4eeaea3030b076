"""Step 3 when the chain starts with a spread over an attribute: the keys kept per value.

A proposal raises the first key of every instance sharing the chosen one's value (its zone, say),
so one packed column of keys would need an addition over every row and a scan at every decision.
Here the first key is kept once per value (a Python int), and the packed keys of the rest of the
chain sit in one column ordered by value, input order within a value, so that each value's
instances are one slice of it. Each value keeps its best rest key and the rows tied for it; a
decision compares the handful of values in Python, and only a value whose tie ran out is scanned
again (a proposal only moves the chosen instance's own rest key).

The pick among tied instances is uniform and seeded as everywhere else; when the tie spans several
values, it is ordered by value (the attribute's values sorted, instances lacking it last), then
input order within a value (README, choice 17). The narrowed ranking orders its ties the same way.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from itertools import compress
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from placement.ranking import Draws
    from placement.results import StrategyScore
    from placement.state import ClusterState

__all__ = ["NOT_A_CANDIDATE", "ValueTies", "still_tied"]

# Non-candidates sit above every packed key; increments (at most 2**52 in all) cannot overflow.
NOT_A_CANDIDATE = 1 << 62
# A value without candidates ranks above every packed key.
_NO_CANDIDATE = 1 << 63


def still_tied(removed: list[int], n: int) -> int:
    """The position in a tie of its ``n``-th row still tied; ``removed``: the positions of
    the rows taken out of it, sorted. That is ``n`` plus how many removed positions lie at or
    before the answer: found by bisection until it stops moving (a pass or two), whatever the
    number removed."""
    before = bisect.bisect_right(removed, n)
    while True:
        now = bisect.bisect_right(removed, n + before)
        if now == before:
            return n + before
        before = now


class ValueTies:
    """The packed keys of one request, split by value of the chain's first strategy."""

    def __init__(
        self,
        state: ClusterState,
        name: str,
        first: tuple[list[int], int],
        rest: tuple[np.ndarray, int, list[tuple[np.ndarray, list[np.ndarray]]]],
        scores_of: Callable[[int], tuple[StrategyScore, ...]],
    ) -> None:
        """``first``: the first strategy's key per value code (the missing value last) and its
        shift in the packed key. ``rest``: the packed keys of the later strategies in input
        order (``NOT_A_CANDIDATE`` for non-candidates), what a proposal adds to the chosen
        row's, and for each later spread over an attribute, each row's value code and what a
        proposal on a value adds to its rows. ``scores_of``: the scores of a packed key."""
        (value_keys, shift), (keys, self._own, self._moves) = first, rest
        order, self._order, self._starts, self._place = state.value_order(name)
        self._order_rows, self._codes, self._scores_of = order, state.code_list(name), scores_of
        self._rest, self._step = keys.take(order), 1 << shift
        # Per value code: its first key shifted, its best rest key, its best packed key (what a
        # decision compares), the positions in its slice of the rows tied for it, how many of
        # those are still tied, and which were taken out (their index in the tie, sorted).
        self._base = [key << shift for key in value_keys]
        values = len(value_keys)
        self._best, self._packed = [0] * values, [_NO_CANDIDATE] * values
        self._ties: list[np.ndarray | list[int]] = [[]] * values
        self._alive, self._removed = [0] * values, [[] for _ in range(values)]
        # Values with instances; the bests of all of them are read at the first decision.
        self._present = [v for v in range(values) if self._starts[v] < self._starts[v + 1]]
        self._unknown = list(self._present)
        self._picked = 0
        self._scored: tuple[int | None, tuple[StrategyScore, ...]] = (None, ())

    def select(self, rng: Draws) -> tuple[int, int, tuple[StrategyScore, ...]]:
        """The chosen row, how many instances tied for it, and its scores."""
        if self._unknown:
            self._read_bests()
        packed = self._packed
        best = min(packed)
        if packed.count(best) == 1:  # the usual case: one value holds the whole tie
            value = packed.index(best)
            size = self._alive[value]
            # Only draw when there is a choice, as every way of ranking does.
            drawn = 0 if size == 1 else rng.randrange(size)
        else:
            value, drawn, size = self._draw_across(best, rng)
        removed = self._removed[value]
        if removed:  # the drawn-th row still tied: skip the rows taken out of the tie
            drawn = still_tied(removed, drawn)
        self._picked = drawn
        # Every row of the tie has the best key, so its scores are the best key's.
        scored = self._scored
        if scored[0] != best:
            scored = self._scored = (best, self._scores_of(best))
        return self._order[self._starts[value] + int(self._ties[value][drawn])], size, scored[1]

    def _draw_across(self, best: int, rng: Draws) -> tuple[int, int, int]:
        # The tie spans several values, taken in value order: the value the draw lands in,
        # the draw's place in that value's tie, and the size of the whole tie. The size is
        # summed by builtins (no Python-level loop), and the walk stops at the draw's value.
        alive, packed = self._alive, self._packed
        size = sum(compress(alive, map(best.__eq__, packed)))
        drawn = rng.randrange(size)
        for value, key in enumerate(packed):
            if key == best:
                if drawn < alive[value]:
                    return value, drawn, size
                drawn -= alive[value]
        raise AssertionError("a draw below the tie's size lands in one of its values")

    def proposed(self, i: int, dropped: bool) -> None:
        """A task was proposed on ``i`` (just selected); ``dropped``: no longer a candidate."""
        value, position = self._codes[i], self._place[i]
        self._base[value] += self._step  # one more task on i's value
        if self._moves:
            self._move_all(i, dropped)
            return
        own, rest = self._own, self._rest
        if dropped:
            rest[position] = NOT_A_CANDIDATE
        elif own < 0:  # i's rest key fell (binpack): i alone is its value's best now
            rest[position] = rest.item(position) + own  # Python ints: no NumPy scalar
            self._best[value] += own
            self._ties[value], self._alive[value] = [position - self._starts[value]], 1
            self._removed[value] = []
            self._packed[value] = self._base[value] + self._best[value]
            return
        elif own:
            rest[position] = rest.item(position) + own  # Python ints: no NumPy scalar
        else:  # i's rest key did not move: the tie stays
            self._packed[value] += self._step
            return
        # i rose out of its value's tie.
        self._alive[value] -= 1
        if self._alive[value]:
            bisect.insort(self._removed[value], self._picked)
            self._packed[value] = self._base[value] + self._best[value]
        else:
            self._unknown.append(value)  # the tie ran out: scan the value again

    def _move_all(self, i: int, dropped: bool) -> None:
        # A later spread over another attribute raised rows of every value: scan them all
        # again (rare: such chains are).
        position = self._place[i]
        self._rest[position] += self._own
        for codes, increments in self._moves:
            self._rest += increments[codes.item(i)].take(self._order_rows)
        if dropped:
            self._rest[position] = NOT_A_CANDIDATE
        self._unknown = list(self._present)

    def key(self, i: int) -> int:
        """Instance ``i``'s packed key now."""
        return self._base[self._codes[i]] + self._rest.item(self._place[i])

    def _read_bests(self) -> None:
        # Each unknown value's best rest key and its tie: one reduction over every value at
        # the first decision, else a scan of the one value whose tie ran out.
        unknown, starts, rest = self._unknown, self._starts, self._rest
        if len(unknown) > 1 and unknown == self._present:
            # reduceat reads each slice up to the next start (or the end): every value with
            # instances, and nothing else, lies in between.
            bests = np.minimum.reduceat(rest, [starts[v] for v in unknown]).tolist()
            for value, best in zip(unknown, bests, strict=True):
                self._read_tie(value, rest[starts[value] : starts[value + 1]], best)
        else:
            for value in unknown:
                rows = rest[starts[value] : starts[value + 1]]
                self._read_tie(value, rows, rows.item(rows.argmin()))
        unknown.clear()

    def _read_tie(self, value: int, rows: np.ndarray, best: int) -> None:
        # Value ``value``'s rows (its slice of the rest keys) and their best key.
        if best >= NOT_A_CANDIDATE:
            self._packed[value] = _NO_CANDIDATE
            return
        tie = self._ties[value] = (rows == best).nonzero()[0]
        self._best[value], self._alive[value], self._removed[value] = best, len(tie), []
        self._packed[value] = self._base[value] + best
