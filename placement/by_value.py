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
from bisect import insort
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from placement.results import Placement

if TYPE_CHECKING:
    from placement.context import PlacementContext
    from placement.ranking import Decided, Draws, OnChoice
    from placement.results import StrategyScore
    from placement.state import ClusterState

__all__ = ["NOT_A_CANDIDATE", "ValueTies", "still_tied"]

# Non-candidates sit above every packed key; increments (at most 2**52 in all) cannot overflow.
NOT_A_CANDIDATE = 1 << 62
# A value without candidates ranks above every packed key.
_NO_CANDIDATE = 1 << 63
# The tie of a row alone, at its value's offset: the same array for every such tie (read-only).
_ALONE = np.zeros(1, np.intp)
_ALONE.flags.writeable = False
_NONE_TIED = _ALONE[:0]
# tuple.__new__ builds a named tuple without its class's Python-level __new__.
_new = tuple.__new__


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
        rows_by_value = state.value_order(name)
        order, self._order, self._starts, self._place, present = rows_by_value[:5]
        self._firsts, self._edges, self._sizes = rows_by_value[5:]
        self._order_rows, self._codes, self._scores_of = order, state.code_list(name), scores_of
        self._rest, self._step = keys.take(order), 1 << shift
        # The decision loop moves one row at a time: through a memoryview (state.py's
        # _make_row_views says why). _move_all changes the column in place, as the view needs.
        self._rest_rows = memoryview(self._rest)
        # Per value code: its first key shifted, its best rest key, its best packed key (what a
        # decision compares), the rows tied for it (their positions in the column, less the
        # tie's offset), how many of those are still tied, and which were taken out (their
        # index in the tie, sorted).
        self._base = [key << shift for key in value_keys]
        values = len(value_keys)
        self._best, self._packed = [0] * values, [_NO_CANDIDATE] * values
        self._ties: list[np.ndarray] = [_NONE_TIED] * values
        self._offsets = [0] * values
        # (Each value's list of rows taken out is made when its tie is read: _set_tie.)
        self._alive, self._removed = [0] * values, [()] * values
        # Per value, the tie a binpack proposal split its chosen row off from, less that row:
        # (tie, offset, still tied, taken out, best), to go back to once the row leaves.
        self._fallbacks: list[tuple | None] = [None] * values
        # Values with instances (read-only); the bests of all of them are read at the first
        # decision.
        self._present, self._unknown = present, list(present)

    def decide(
        self, ctx: PlacementContext, count: int, draws: Draws, on_choice: OnChoice
    ) -> Decided:
        """Steps 3-4 and the proposal, for each of the request's ``count`` tasks in turn.

        One loop rather than a call per step: a decision here is a few dozen lines of Python,
        and the calls and attribute reads between the steps cost as much as the steps.
        ``on_choice(index, chosen)`` (explanations) sees each choice before it is proposed,
        and ``chosen`` None when no candidate is left.
        """
        ids, uses_eni, counts, propose = ctx.state.ids, ctx.needs.uses_eni, ctx.counts, ctx.propose
        packed, alive, ties, removed_of = self._packed, self._alive, self._ties, self._removed
        offsets, fallbacks = self._offsets, self._fallbacks
        base, bests, order, rest = self._base, self._best, self._order, self._rest_rows
        own, step, unknown, moves = self._own, self._step, self._unknown, self._moves
        placements: list[Placement] = []
        rejected, scored, last = ctx.rejected(), (None, ()), count - 1
        for index in range(count):
            candidates = counts[0]
            if not candidates:
                if on_choice is not None:
                    on_choice(index, None)
                break
            # The counts per reason, as the context keeps them between changes.
            rejected = ctx.rejected_now or ctx.rejected()
            if unknown:
                self._read_bests()
            best = min(packed)
            if packed.count(best) == 1:  # the usual case: one value holds the whole tie
                value = packed.index(best)
                size = alive[value]
                # Only draw when there is a choice, as every way of ranking does.
                drawn = 0 if size == 1 else draws.randrange(size)
            else:  # the tie spans values, taken in value order: the draw's value, its place
                size = 0
                for tied_value, key in enumerate(packed):  # a handful of values
                    if key == best:
                        size += alive[tied_value]
                drawn, value = draws.randrange(size), packed.index(best)
                while drawn >= alive[value]:
                    drawn -= alive[value]
                    value = packed.index(best, value + 1)
            removed = removed_of[value]
            if removed:  # the drawn-th row still tied: skip the rows taken out of the tie
                drawn = still_tied(removed, drawn)
            position = offsets[value] + ties[value].item(drawn)
            chosen = order[position]
            # Every row of the tie has the best key, so its scores are the best key's.
            if scored[0] != best:
                scored = (best, self._scores_of(best))
            if on_choice is not None:
                on_choice(index, chosen)
            bindings, dropped = propose(chosen)
            record = (ids[chosen], bindings, uses_eni, candidates, size, scored[1], rejected)
            placements.append(_new(Placement, record))
            if index == last:  # the keys after the last proposal are never read
                break
            # The keys after the proposal: one more task on the chosen row's value, whose own
            # rest key moves by ``own``.
            base[value] += step
            if moves:
                self._move_all(chosen, dropped)
            elif dropped or own > 0:  # the row rose out of its value's tie
                rest[position] = NOT_A_CANDIDATE if dropped else rest[position] + own
                left = alive[value] = alive[value] - 1
                if left:
                    insort(removed_of[value], drawn)
                    packed[value] += step
                elif fallbacks[value] is not None:  # back to the tie the row was split from
                    ties[value], offsets[value], alive[value], removed_of[value], bests[value] = (
                        fallbacks[value]
                    )
                    fallbacks[value] = None
                    packed[value] = base[value] + bests[value]
                else:
                    unknown.append(value)  # the tie ran out: scan the value again
            elif own < 0:  # the rest key fell (binpack): the chosen row alone is its value's best
                if alive[value] > 1:
                    # No other row's key moves here, so the rest of its tie stays the next
                    # best: kept, it saves a scan of the value once the row leaves.
                    insort(removed, drawn)
                    kept = (ties[value], offsets[value], alive[value] - 1, removed, bests[value])
                    fallbacks[value] = kept
                rest[position] += own
                bests[value] += own
                ties[value], offsets[value], alive[value] = _ALONE, position, 1
                removed_of[value] = []
                packed[value] = base[value] + bests[value]
            else:  # its rest key did not move: the tie stays
                packed[value] += step
        return placements, rejected

    def _move_all(self, i: int, dropped: bool) -> None:
        # A later spread over another attribute raised rows of every value: scan them all
        # again (rare: such chains are).
        position = self._place[i]
        self._rest[position] += self._own
        for codes, increments in self._moves:
            self._rest += increments[codes.item(i)].take(self._order_rows)
        if dropped:
            self._rest[position] = NOT_A_CANDIDATE
        self._unknown[:] = self._present  # in place: decide holds the list

    def key(self, i: int) -> int:
        """Instance ``i``'s packed key now."""
        return self._base[self._codes[i]] + self._rest.item(self._place[i])

    def _read_bests(self) -> None:
        # Each unknown value's best rest key and its tie: at the first decision, for every
        # value at once, else a scan of the one value whose tie ran out.
        unknown, starts, rest = self._unknown, self._starts, self._rest
        if len(unknown) > 1 and unknown == self._present:
            self._read_all_bests()
        else:
            for value in unknown:
                rows = rest[starts[value] : starts[value + 1]]
                best = rows.item(rows.argmin())
                self._read_tie(value, rows, best, starts[value])
        unknown.clear()

    def _read_all_bests(self) -> None:
        # Every value with instances, which together cover the whole column in value order.
        present, starts, rest = self._present, self._starts, self._rest
        if self._own < 0:
            # binpack next: each value has a best of its own, as a rule. One comparison with
            # each row's value's best finds every value's tie.
            best_of = np.minimum.reduceat(rest, self._firsts)
            bests = best_of.tolist()
            tied = (rest == best_of.repeat(self._sizes)).nonzero()[0]
        else:
            # One comparison with the column's best key finds the tie of every value that
            # holds it (every value, for a spread over instances as a rule).
            best = rest.item(rest.argmin())
            bests = [best] * len(present)
            tied = (rest == best).nonzero()[0]
        bounds = tied.searchsorted(self._edges).tolist()
        for k, value in enumerate(present):
            if bounds[k] < bounds[k + 1]:
                self._set_tie(value, tied[bounds[k] : bounds[k + 1]], bests[k], 0)
            else:  # none of its rows holds the column's best: read it alone
                rows = rest[starts[value] : starts[value + 1]]
                self._read_tie(value, rows, rows.item(rows.argmin()), starts[value])

    def _read_tie(self, value: int, rows: np.ndarray, best: int, start: int) -> None:
        # Value ``value``'s rows (its slice of the column, from ``start``) and their best key.
        if best >= NOT_A_CANDIDATE:  # no candidate: no tie to find
            self._set_tie(value, rows[:0], best, start)
            return
        self._set_tie(value, (rows == best).nonzero()[0], best, start)

    def _set_tie(self, value: int, tie: np.ndarray, best: int, offset: int) -> None:
        # The rows tied for value ``value``'s best key: their positions, less ``offset``.
        self._fallbacks[value] = None
        if best >= NOT_A_CANDIDATE:
            self._packed[value] = _NO_CANDIDATE
            return
        self._ties[value], self._offsets[value] = tie, offset
        self._best[value], self._alive[value], self._removed[value] = best, len(tie), []
        self._packed[value] = self._base[value] + best
