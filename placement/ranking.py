"""Steps 3 and 4: order the candidates by the strategy chain, then pick one.

The chain is lexicographic: the first strategy's key decides, the second breaks its ties, and
so on; a ``random`` strategy ends the chain, since it leaves nothing tied for later ones. After
the last key, ECS documents no tie-break: a seeded uniform pick among the tied instances keeps
it fair and replayable (random is exactly that pick, made earlier).

When the keys' bit widths add up to at most ``MAX_PACKED_BITS``, they are packed into one int64
per instance, first strategy in the highest bits, which preserves the lexicographic order; a
decision is then one ``argmin`` and one scan for ties, whatever the chain's length, and a
proposal changes the packed column in place. The tie itself is kept from one decision to the
next, since a proposal can only shrink it or replace it with the instance it landed on.
Otherwise each key keeps its own column and the candidates are narrowed strategy by strategy;
both ways give the same answer, draw for draw.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from placement.by_value import NOT_A_CANDIDATE, ValueTies, still_tied
from placement.context import PlacementContext
from placement.packing import KeyLayout, key_layout
from placement.resources import as_operand
from placement.results import Placement, StrategyScore
from placement.strategies import Keys, Random, SpreadAttribute, Strategy

__all__ = ["MAX_PACKED_BITS", "Decided", "Draws", "OnChoice", "Ranker"]

MAX_PACKED_BITS = 52
# Non-candidates sit above every packed key (by_value.py shares the value).
_NOT_A_CANDIDATE = NOT_A_CANDIDATE
# tuple.__new__ builds a named tuple without its class's Python-level __new__: the same
# Placement or score, made once per task.
_new = tuple.__new__


class Draws(Protocol):
    """Where the pick's randomness comes from: a ``random.Random`` or anything like it."""

    def randrange(self, stop: int) -> int: ...


# What a chain's ``decide`` is told of each choice (explanations), and what it returns: the
# placements and the counts per reason the last of them saw.
OnChoice = Callable[[int, "int | None"], None] | None
Decided = tuple[list[Placement], dict[str, int]]


class Ranker:
    """The strategy chain of one request, its keys, and the pick."""

    def __init__(self, ctx: PlacementContext, strategies: Sequence[Strategy], count: int) -> None:
        self.ctx = ctx
        chain, self.ends_random, self.labels = _layout(strategies)
        # A chain that starts with a spread over an attribute keeps its keys per value of that
        # attribute (by_value.py): its first key comes one per value.
        by_value = bool(chain) and isinstance(chain[0], SpreadAttribute)
        started = [strategy.start_keys(ctx, count) for strategy in chain[by_value:]]
        if by_value:
            started.insert(0, chain[0].value_keys(ctx, count))  # type: ignore[attr-defined]
        layout = key_layout(self.labels, self.ends_random, started, MAX_PACKED_BITS)
        self.packed = packed = layout.packed
        # Ties are ordered by the first attribute's value, then input order (by_value.py): the
        # narrowed ranking sorts its candidates so, and reads the first key per instance.
        self._tie_codes = started[0].by_value[1] if by_value else None  # type: ignore[index]
        if by_value and not packed:
            per_instance = np.array(started[0].values, np.int64).take(self._tie_codes)
            started[0] = started[0]._replace(values=per_instance)
        self._by_value: ValueTies | None = None
        self._layout_keys(ctx, started, layout, by_value and packed)
        # The scores of the best key, read last: every instance of a tie shares them.
        self._scored: tuple[int | None, tuple[StrategyScore, ...]] = (None, ())
        # The rows tied for the best key (a Python int), kept between decisions (None: scan
        # again), the positions in it of the rows no longer tied (sorted), and the position
        # of the row picked last.
        self._tied: np.ndarray | list[int] | None = None
        self._removed: list[int] = []
        # The tie a binpack proposal split the chosen row off from, less that row (best, tie,
        # taken out), to go back to once the row leaves; None: scan again then.
        self._fallback: tuple[int, np.ndarray | list[int], list[int]] | None = None
        self._best = self._picked = 0
        if not packed:  # the slow path's own methods hide the packed ones
            self.select = self._select_narrowed  # type: ignore[method-assign]
            self.proposed = self._proposed_narrowed  # type: ignore[method-assign]
        elif self.moves_others and self._by_value is None:
            self.proposed = self._proposed_moving  # type: ignore[method-assign]

    def _layout_keys(
        self, ctx: PlacementContext, started: list[Keys], layout: KeyLayout, split: bool
    ) -> None:
        # One pass over the chain: the key columns (one packed column, or one per strategy)
        # and what a proposal changes besides the chosen row's own key (layout.own when
        # packed): for a spread over an attribute, every row sharing its value. ``split``: the
        # first key is kept per value (ValueTies), the packed column holds the later ones.
        packed, combined = layout.packed, None
        self.columns, self._steps, self._spreads = [], [], []
        for k, (keys, shift) in enumerate(zip(started, layout.shifts, strict=True)):
            kept_per_value = split and k == 0
            if packed:
                if not kept_per_value:
                    shifted = keys.values << shift if shift else keys.values
                    combined = shifted if combined is None else combined + shifted
            else:
                column = keys.values.copy()
                self.columns.append(column)
                if keys.step:
                    self._steps.append((column, keys.step))
            if keys.by_value is not None and not kept_per_value:
                name, codes = keys.by_value
                increments = ctx.state.value_increments(name, 1 << shift)
                column = None if packed else self.columns[-1]
                self._spreads.append((column, codes, increments))
        if packed and combined is None and not split:
            # No strategy has a key (random, or nothing): every candidate is tied.
            self.combined = None
        elif split and combined is not None and ctx.counts[0] == len(ctx.feasible):
            # Every instance is a candidate: nothing to mask, and ValueTies takes its own
            # copy of the keys (in value order), so the column is passed as it is.
            self.combined = combined
        elif packed:
            self.combined = np.where(
                ctx.feasible, 0 if combined is None else combined, as_operand(_NOT_A_CANDIDATE)
            )
            if not split:  # ValueTies keeps its own copy, in value order
                self.columns = [self.combined] * len(started)
                self._spreads = [(self.combined, *spread[1:]) for spread in self._spreads]
                # Proposals move one row at a time (state.py's _make_row_views says why).
                self._rows = memoryview(self.combined)
        # Unpacked columns keep one step each in _steps.
        self._own, self._unpack, self.scores = layout.own, layout.unpack, layout.scores
        # Whether a proposal can move other instances' keys (a spread over an attribute).
        self.moves_others = bool(self._spreads)
        if split:
            first = started[0]
            spreads = self._spreads
            moves = [(codes, increments) for _, codes, increments in spreads] if spreads else []
            self._by_value = ValueTies(
                ctx.state,
                first.by_value[0],  # type: ignore[index]
                (first.values, layout.shifts[0]),  # type: ignore[arg-type]
                (self.combined, layout.own, moves),
                self.scores.of,
            )
            self.decide = self._by_value.decide  # type: ignore[method-assign]

    def decide(
        self, ctx: PlacementContext, count: int, draws: Draws, on_choice: OnChoice
    ) -> Decided:
        """Steps 3-4 and the proposal for each of the request's ``count`` tasks in turn: the
        placements and the counts per reason the last one saw. ``on_choice(index, chosen)``
        (explanations) sees each choice before it is proposed, and None when no candidate is
        left. A chain kept per value (ValueTies) has its own loop, which hides this one."""
        ids, uses_eni, counts = ctx.state.ids, ctx.needs.uses_eni, ctx.counts
        select, propose, proposed = self.select, ctx.propose, self.proposed
        placements: list[Placement] = []
        rejected, last = ctx.rejected(), count - 1
        for index in range(count):
            candidates = counts[0]
            if not candidates:
                if on_choice is not None:
                    on_choice(index, None)
                break
            # The counts per reason, as the context keeps them between changes.
            rejected = ctx.rejected_now or ctx.rejected()
            chosen, tied, scores = select(draws)
            if on_choice is not None:
                on_choice(index, chosen)
            bindings, dropped = propose(chosen)
            record = (ids[chosen], bindings, uses_eni, candidates, tied, scores, rejected)
            placements.append(_new(Placement, record))
            if index < last:  # the keys after the last proposal are never read
                proposed(chosen, dropped)
        return placements, rejected

    def select(self, rng: Draws) -> tuple[int, int, tuple[StrategyScore, ...]]:
        """The chosen row, how many instances tied for it, and its scores.

        Only called while there is a candidate (``ctx.counts[0]``).
        """
        tied = self._tied
        if tied is None:
            combined = self.combined
            if combined is None:  # no keys: the candidates, all tied at key 0
                tied = self._tied = self.ctx.candidates()
            else:
                self._best = best = combined.item(combined.argmin())
                # ndarray.nonzero, not np.flatnonzero: the wrapper costs more than the scan.
                tied = self._tied = (combined == best).nonzero()[0]
            self._removed, self._fallback = [], None
        removed = self._removed
        size = len(tied) - len(removed)
        # Only draw when there is a choice, so both ways of ranking consume the same draws.
        picked = 0 if size == 1 else rng.randrange(size)
        if removed:  # the picked-th row still tied: skip the rows taken out of the tie
            picked = still_tied(removed, picked)
        self._picked = picked
        # Every row of the tie has the best key, so its scores are the best key's.
        scored = self._scored
        if scored[0] != self._best:
            scored = self._scored = (self._best, self.scores.of(self._best))
        return int(tied[picked]), size, scored[1]

    def _select_narrowed(self, rng: Draws) -> tuple[int, int, tuple[StrategyScore, ...]]:
        candidates = self.ctx.candidates()
        codes = self._tie_codes
        if codes is not None:  # ties ordered by value first, as ValueTies orders them
            candidates = candidates[np.argsort(codes[candidates], kind="stable")]
        for keys in self.columns:
            values = keys[candidates]
            candidates = candidates[values == values.min()]
        size = len(candidates)
        chosen = int(candidates[0 if size == 1 else rng.randrange(size)])
        return chosen, size, self.scores.labelled(self.keys(chosen))

    def keys_of(self, key: int) -> tuple[int | None, ...]:
        """Each strategy's score for a packed key (None for random)."""
        return self.scores.keys_of(key)

    def keys(self, i: int) -> tuple[int | None, ...]:
        """Instance ``i``'s score under each strategy of the chain (None for random)."""
        if self._by_value is not None:
            return self.keys_of(self._by_value.key(i))
        if self.packed:
            combined = self.combined  # one read, then each strategy's bits
            return self.keys_of(0 if combined is None else combined.item(i))
        unpack = zip(self.columns, self._unpack, strict=True)
        found = [(keys.item(i) & mask) + offset for keys, (_, mask, offset) in unpack]
        return (*found, None) if self.ends_random else tuple(found)

    def proposed(self, i: int, dropped: bool) -> None:
        """Update the keys after a task was proposed on ``i``; ``dropped``: no longer a candidate."""
        # Only i's own key moves here (a chain with a spread over an attribute uses
        # _proposed_moving, or ValueTies when it starts with one).
        own = self._own
        if self.combined is None:  # no keys: only a dropped row leaves the tie (the candidates)
            if dropped:
                self._leave_tie()
            return
        if dropped:
            self._rows[i] = _NOT_A_CANDIDATE  # above every candidate
        elif own:
            self._rows[i] += own
        else:
            return  # i's key did not move: the tie stays
        # i was picked from the tie, so its key was the best one. A proposal lowers at most
        # one key, i's (binpack): either i alone is the new best, or the best is unchanged and
        # the tie loses i.
        if own < 0 and not dropped and self._tied is not None:
            if len(self._tied) - len(self._removed) > 1:
                # No other row's key moves here, so the rest of the tie stays the next best:
                # kept, it saves a scan once the row leaves.
                bisect.insort(self._removed, self._picked)
                self._fallback = (self._best, self._tied, self._removed)
            self._best, self._tied, self._removed = self._best + own, [i], []
        else:
            self._leave_tie()

    def _leave_tie(self) -> None:
        # The row picked last leaves the tie, noted by its position (cheaper than a copy of the
        # tie without it); a tie that loses its last row falls back to the tie it was split
        # from, if kept, else is scanned again.
        tied = self._tied
        if tied is None:
            return
        if len(tied) - len(self._removed) > 1:
            bisect.insort(self._removed, self._picked)
        elif self._fallback is not None:  # back to the tie the row was split from
            self._best, self._tied, self._removed = self._fallback
            self._fallback = None
        else:
            self._tied = None

    def _proposed_moving(self, i: int, dropped: bool) -> None:
        # proposed() for a chain with a spread over an attribute after its first strategy.
        combined, rows, own = self.combined, self._rows, self._own
        if own:
            rows[i] += own
        for _, codes, increments in self._spreads:
            combined += increments[codes.item(i)]  # in place: the view sees it
        if dropped:
            rows[i] = _NOT_A_CANDIDATE
        tied = self._tied
        if tied is None:
            return
        # i's key moved by ``own``, unless it was dropped (it then rises above every
        # candidate); a spread over an attribute may have raised it too (then read the key).
        moved = rows[i] - self._best
        if moved < 0:
            self._best, self._tied, self._removed = self._best + moved, [i], []
        elif moved or len(tied) - len(self._removed) > 1:
            # Spread over an attribute raised every row sharing a value with i: scanning the
            # keys again costs less than filtering the tie row by row.
            self._tied = None

    def _proposed_narrowed(self, i: int, dropped: bool) -> None:
        # Non-candidates are left out by the narrowing itself.
        for column, step in self._steps:
            column[i] += step
        for column, codes, increments in self._spreads:
            column += increments[codes.item(i)]


def _layout(strategies: Sequence[Strategy]) -> tuple[tuple[Strategy, ...], bool, tuple[str, ...]]:
    """The chain up to ``random`` (which ends it), whether it ends so, and the labels scored."""
    try:
        return _cached_layout(tuple(strategies))
    except TypeError:  # a strategy that cannot be hashed: nothing to cache
        return _cached_layout.__wrapped__(tuple(strategies))


@functools.lru_cache(maxsize=256)
def _cached_layout(
    strategies: tuple[Strategy, ...],
) -> tuple[tuple[Strategy, ...], bool, tuple[str, ...]]:
    chain: list[Strategy] = []
    for strategy in strategies:
        if isinstance(strategy, Random):
            break
        chain.append(strategy)
    ends_random = len(chain) < len(strategies)
    labels = tuple(strategy.label for strategy in strategies[: len(chain) + 1])
    return tuple(chain), ends_random, labels
