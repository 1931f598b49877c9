"""The upper tail of the negative binomial distribution, with ``math`` alone."""

from __future__ import annotations

from math import exp, lgamma, log

_MOST_TERMS = 100_000  # a bound on the loop; the sums converge long before it


def negative_binomial_tail(observed: int, shape: float, mean: float) -> float:
    """P(X ≥ observed) for X Poisson with a Gamma(shape) mean of ``mean`` (both positive)."""
    if observed <= 0:
        return 1.0
    success = mean / (shape + mean)

    def ratio(count: int) -> float:  # P(X = count + 1) / P(X = count)
        return (shape + count) / (count + 1) * success

    log_at = (
        lgamma(shape + observed)
        - lgamma(observed + 1)
        - lgamma(shape)
        + shape * log(shape / (shape + mean))
        + observed * log(success)
    )
    if observed <= mean:
        # The tail holds about half or more: one minus the few terms below.
        below, term = 0.0, exp(log_at)
        for count in range(observed - 1, -1, -1):
            term /= ratio(count)
            below += term
        return max(0.0, 1.0 - below)
    # Above the mean every term is smaller than the one before. Summed relative to the first
    # and scaled in logs, a tail far out (a thousand people against a usual one) comes out as
    # tiny, or 0.0, never as P(X = observed) underflowing to nothing.
    above, term = 0.0, 1.0
    for count in range(observed, observed + _MOST_TERMS):
        above += term
        step = ratio(count)
        term *= step
        # What is left is at most term / (1 - r), r the largest ratio to come.
        if term < above * 1e-15 * (1 - max(step, success)):
            break
    return min(1.0, exp(log_at + log(above)))
