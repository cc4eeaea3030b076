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
        widths = [bits for _, bits in started]
        self.packed = sum(widths) <= MAX_PACKED_BITS
        if self.packed:
            self.shifts = [sum(widths[k + 1 :]) for k in range(len(chain))]
            self.masks = [(1 << bits) - 1 for bits in widths]
            packed = sum(
                keys << shift for (keys, _), shift in zip(started, self.shifts, strict=True)
            )
            self.combined = np.where(ctx.feasible, packed, _NOT_A_CANDIDATE)
            self.columns = [self.combined] * len(chain)
            self.weights = [1 << shift for shift in self.shifts]
            # The rows tied for the best key, kept between decisions (None: scan again).
            self._tied: np.ndarray | None = None
        else:
            self.columns = [keys.copy() for keys, _ in started]
            self.weights = [1] * len(chain)
            self.shifts, self.masks = [0] * len(chain), [-1] * len(chain)
        self._scorers = list(zip(chain, self.columns, self.shifts, self.masks, strict=True))

    def select(
        self, ctx: PlacementContext, rng: Draws
    ) -> tuple[int, int, tuple[StrategyScore, ...]] | None:
        """The chosen row, how many instances tied for it, and its scores; None if no candidate."""
        if not ctx.counts[0]:
            return None
        tied = self._best_packed() if self.packed else self._best_narrowed(ctx)
        size = len(tied)
        # Only draw when there is a choice, so both ways of ranking consume the same draws.
        chosen = int(tied[0]) if size == 1 else int(tied[rng.randrange(size)])
        return chosen, size, tuple(map(StrategyScore, self.labels, self.keys(ctx, chosen)))

    def _best_packed(self) -> np.ndarray:
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
        found = [
            strategy.score((int(keys[i]) >> shift) & mask, ctx)
            for strategy, keys, shift, mask in self._scorers
        ]
        return (*found, None) if self.ends_random else tuple(found)

    def proposed(self, ctx: PlacementContext, i: int) -> None:
        """Update the keys after a task was proposed on ``i`` (and ``i`` re-checked)."""
        for strategy, keys, weight in zip(self.chain, self.columns, self.weights, strict=True):
            strategy.update(keys, ctx, i, weight)
        if self.packed:
            if not ctx.feasible[i]:
                self.combined[i] = _NOT_A_CANDIDATE
            self._keep_tie(i)

    def _keep_tie(self, i: int) -> None:
        # A proposal lowers at most one key, i's (binpack); every other change raises keys. So
        # either i alone is the new best, or the best is unchanged and the tie only shrinks.
        if self._tied is None:
            return
        combined, best = self.combined, self._best
        if combined[i] < best:
            self._best, self._tied = combined[i], np.array([i])
            return
        tied = self._tied[combined[self._tied] == best]
        self._tied = tied if tied.size else None
