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

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from placement.context import PlacementContext
from placement.results import StrategyScore
from placement.strategies import Random, Strategy

__all__ = ["MAX_PACKED_BITS", "Draws", "Ranker"]

MAX_PACKED_BITS = 52
# Non-candidates sit above every packed key; increments (at most 2**52 in all) cannot overflow.
_NOT_A_CANDIDATE = 1 << 62


class Draws(Protocol):
    """Where the pick's randomness comes from: a ``random.Random`` or anything like it."""

    def randrange(self, stop: int) -> int: ...


class Ranker:
    """The strategy chain of one request, its keys, and the pick."""

    def __init__(self, ctx: PlacementContext, strategies: Sequence[Strategy], count: int) -> None:
        chain: list[Strategy] = []
        for strategy in strategies:
            if isinstance(strategy, Random):
                break
            chain.append(strategy)
        self.ends_random = len(chain) < len(strategies)
        self.labels = [strategy.label for strategy in strategies[: len(chain) + 1]]
        self.chain = chain
        started = [strategy.start_keys(ctx, count) for strategy in chain]
        self.packed = sum(bits for _, bits in started) <= MAX_PACKED_BITS
        if self.packed:
            self._pack(ctx, started)
        else:
            self.columns = [keys.copy() for keys, _ in started]
            self.weights = [1] * len(chain)
            self.shifts, self.masks = [0] * len(chain), [-1] * len(chain)
        self._updates = [
            (strategy.update, keys, weight)
            for strategy, keys, weight in zip(chain, self.columns, self.weights, strict=True)
        ]
        # Where each strategy's score sits in its key column, and how to read it.
        self._unpack = [
            (shift, mask & strategy.score_mask, strategy.score_offset)
            for strategy, shift, mask in zip(chain, self.shifts, self.masks, strict=True)
        ]
        self.moves_others = any(strategy.moves_others for strategy in chain)

    def _pack(self, ctx: PlacementContext, started: list[tuple[np.ndarray, int]]) -> None:
        # The last strategy takes the lowest bits, each earlier one the bits above it.
        self.shifts, self.masks, packed, shift = [], [], None, 0
        for keys, bits in reversed(started):
            shifted = keys << shift if shift else keys
            packed = shifted if packed is None else packed + shifted
            self.shifts.insert(0, shift)
            self.masks.insert(0, (1 << bits) - 1)
            shift += bits
        self.combined = np.where(ctx.feasible, 0 if packed is None else packed, _NOT_A_CANDIDATE)
        self.columns = [self.combined] * len(started)
        self.weights = [1 << shift for shift in self.shifts]
        # The rows tied for the best key, kept between decisions (None: scan again), and the
        # position in it of the row picked last.
        self._tied: np.ndarray | list[int] | None = None
        self._picked = 0

    def select(
        self, ctx: PlacementContext, rng: Draws
    ) -> tuple[int, int, tuple[StrategyScore, ...]] | None:
        """The chosen row, how many instances tied for it, and its scores; None if no candidate."""
        if not ctx.counts[0]:
            return None
        tied = self._best_packed() if self.packed else self._best_narrowed(ctx)
        size = len(tied)
        # Only draw when there is a choice, so both ways of ranking consume the same draws.
        self._picked = picked = 0 if size == 1 else rng.randrange(size)
        chosen = int(tied[picked])
        return chosen, size, tuple(map(StrategyScore, self.labels, self.keys(ctx, chosen)))

    def _best_packed(self) -> np.ndarray | list[int]:
        if self._tied is None:
            combined = self.combined
            self._best = combined[combined.argmin()]
            # ndarray.nonzero, not np.flatnonzero: the wrapper costs more than the scan here.
            self._tied = (combined == self._best).nonzero()[0]
        return self._tied

    def _best_narrowed(self, ctx: PlacementContext) -> np.ndarray:
        candidates = ctx.candidates()
        for keys in self.columns:
            values = keys[candidates]
            candidates = candidates[values == values.min()]
        return candidates

    def keys(self, ctx: PlacementContext, i: int) -> tuple[int | None, ...]:
        """Instance ``i``'s score under each strategy of the chain (None for random)."""
        if self.packed:
            key = self.combined.item(i)  # one read, then each strategy's bits
            found = [((key >> shift) & mask) + offset for shift, mask, offset in self._unpack]
        else:
            unpack = zip(self.columns, self._unpack, strict=True)
            found = [(keys.item(i) & mask) + offset for keys, (_, mask, offset) in unpack]
        return (*found, None) if self.ends_random else tuple(found)

    def proposed(self, ctx: PlacementContext, i: int) -> None:
        """Update the keys after a task was proposed on ``i`` (and ``i`` re-checked)."""
        for update, keys, weight in self._updates:
            update(keys, ctx, i, weight)
        if self.packed:
            if not ctx.feasible[i]:
                self.combined[i] = _NOT_A_CANDIDATE
            self._keep_tie(i)

    def _keep_tie(self, i: int) -> None:
        # A proposal lowers at most one key, i's (binpack); every other change raises keys. So
        # either i alone is the new best, or the best is unchanged and the tie only shrinks:
        # by i alone, or by every row sharing i's value under a spread over an attribute.
        tied = self._tied
        if tied is None:
            return
        key, best = self.combined[i], self._best
        if key < best:
            self._best, self._tied = key, [i]  # a list indexes like the array, built faster
        elif len(tied) == 1:  # the tie was i alone
            if key > best:
                self._tied = None
        elif self.moves_others:
            # Spread over an attribute raised every row sharing i's value: scanning the keys
            # again costs less than filtering the tie row by row.
            self._tied = None
        elif key > best:  # only i moved, and it sits at the position just picked
            picked = self._picked
            self._tied = np.concatenate((tied[:picked], tied[picked + 1 :]))
