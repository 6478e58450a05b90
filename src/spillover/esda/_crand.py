"""Local Moran's conditional randomisation in linear time, with esda's own random draws.

Why not :class:`esda.Moran_Local` itself: esda's kernel (``esda.crand``) builds, for every region ``i``, a
copy of the standardised values without ``z_i`` (``z[mask]``, n values) before it looks up the permuted
neighbours, so one cross-section costs O(n^2) memory traffic - minutes at 200,000 regions, hours at a
million - and ``keep_simulations=True`` (needed for ``z_sim``) stores an n x permutations matrix (8 GB at a
million regions).  The randomisation itself is cheap: esda draws ONE matrix of permuted ids
(``permutations x max_neighbours``, indices into the n - 1 "other" regions) and reuses it for every region;
region ``i`` reads id ``j`` as region ``j`` when ``j < i`` and as ``j + 1`` otherwise.

This module keeps esda's test exactly: the ids are the ones esda's ``vec_permutations`` draws (the same calls
to numba's seeded generator, see :func:`permuted_ids`; the same seed gives the draws of
``Moran_Local(..., seed=seed)``), the weights are split
into self-weight and the other weights in the CSR order esda uses, and the statistic of a draw is esda's
``z_i * (sum_k w_ik z_perm_k + w_ii z_i) * (n - 1) / z'z``.  Only the bookkeeping differs: the permuted
values are looked up in two small tables (``z[ids]`` and ``z[ids + 1]``), each region's draws live in a
buffer of ``permutations`` floats, and the mean and standard deviation behind ``z_sim`` are computed there
instead of storing every draw.  Regions are independent given the ids, so the numba ``prange`` loop gives
the same numbers with any number of threads.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse

__all__ = ["moran_local_sims", "permuted_ids"]

_BLOCK = 512  # regions per parallel task (one buffer of ``permutations`` floats each)
_kernel: Any = None
_draws: Any = None


def _compiled_draws() -> Any:
    """esda's permuted ids (``esda.crand.vec_permutations``) without shuffling n values per permutation.

    esda draws each row with numba's ``np.random.choice(n - 1, max_card, replace=False)``, which shuffles
    the whole ``arange(n - 1)`` (numba's Fisher-Yates: for ``i = m-1 .. 1``, ``j = randint(i + 1)``, swap) and
    keeps the first ``max_card`` entries: 999 random-access passes over n values (136 s at a million regions).
    The same generator calls are made here, in the same order, from the same seeded numba state, so the draws
    are identical; only the bookkeeping changes.  The value that ends at a front position is found by
    following its chain of swaps upwards through the draws (position ``x`` receives the value of the first
    later step ``i > x`` that swapped with it), a sequential scan instead of random writes; the last
    ``max_card - 1`` swaps, among the front positions only, are then applied directly.
    """
    global _draws
    if _draws is None:
        import numba

        @numba.njit(cache=True)
        def draws(max_card: int, n: int, perms: int, seed: int) -> np.ndarray:  # pragma: no cover - compiled
            np.random.seed(seed)  # noqa: NPY002 - numba's generator, seeded as esda seeds it
            m = n - 1
            out = np.empty((perms, max_card), dtype=np.int64)
            jumps = np.empty(max(m, 1), dtype=np.int64)
            heads = np.empty(max_card, dtype=np.int64)
            for p in range(perms):
                i = m - 1
                while i > 0:
                    jumps[i] = np.random.randint(i + 1)  # noqa: NPY002 - esda's draws
                    i -= 1
                for q in range(max_card):
                    heads[q] = q
                for i in range(max_card, m):
                    j = jumps[i]
                    if j < i:
                        for q in range(max_card):
                            if heads[q] == j:
                                heads[q] = i
                                break
                for i in range(max_card - 1, 0, -1):
                    j = jumps[i]
                    t = heads[i]
                    heads[i] = heads[j]
                    heads[j] = t
                out[p] = heads
            return out

        _draws = draws
    return _draws


def permuted_ids(max_card: int, n: int, permutations: int, seed: int) -> np.ndarray:
    """The ``permutations x max_card`` ids esda's ``vec_permutations(max_card, n, permutations, seed)`` draws."""
    if max_card > n - 1:
        raise ValueError(f"cannot draw {max_card} distinct ids among {n - 1}")
    return np.asarray(_compiled_draws()(max_card, n, permutations, seed))


def _compiled() -> Any:
    """The numba kernel, compiled on first use (numba's import and the compile are paid once per process)."""
    global _kernel
    if _kernel is None:
        import numba

        @numba.njit(parallel=True, cache=True)
        def kernel(
            z: np.ndarray,
            indptr: np.ndarray,
            weights: np.ndarray,
            self_w: np.ndarray,
            observed: np.ndarray,
            ids: np.ndarray,
            scaling: float,
            p_sim: np.ndarray,
            ei: np.ndarray,
            sei: np.ndarray,
        ) -> None:  # pragma: no cover
            n = z.size
            perms, max_card = ids.shape
            low = np.empty((perms, max_card))
            high = np.empty((perms, max_card))
            for p in range(perms):
                for k in range(max_card):
                    low[p, k] = z[ids[p, k]]
                    high[p, k] = z[ids[p, k] + 1]
            n_blocks = (n + _BLOCK - 1) // _BLOCK
            for b in numba.prange(n_blocks):
                sims = np.empty(perms)
                for i in range(b * _BLOCK, min(n, (b + 1) * _BLOCK)):
                    start = indptr[i]
                    card = indptr[i + 1] - start
                    zi = z[i]
                    own = self_w[i] * zi
                    for p in range(perms):
                        lag = 0.0
                        for k in range(card):
                            j = ids[p, k]
                            v = low[p, k] if j < i else high[p, k]
                            lag += v * weights[start + k]
                        sims[p] = zi * (lag + own) * scaling
                    larger = 0
                    total = 0.0
                    for p in range(perms):
                        if sims[p] >= observed[i]:
                            larger += 1
                        total += sims[p]
                    if perms - larger < larger:
                        larger = perms - larger
                    p_sim[i] = (larger + 1.0) / (perms + 1.0)
                    mean = total / perms
                    dev = 0.0
                    for p in range(perms):
                        dev += (sims[p] - mean) ** 2
                    ei[i] = mean
                    sei[i] = np.sqrt(dev / perms)

        _kernel = kernel
    return _kernel


def split_weights(wmat: sparse.csr_array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Self-weights, row pointers and the other weights of ``wmat``, in the order esda's crand uses them."""
    self_w = np.asarray(wmat.diagonal(), dtype=float)
    other = sparse.csr_array(wmat, copy=True)
    if self_w.any():
        other.setdiag(0)
    other.eliminate_zeros()
    return self_w, other.indptr.astype(np.int64), other.data.astype(float)


def moran_local_sims(
    z: np.ndarray, wmat: sparse.csr_array, observed: np.ndarray, permutations: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``p_sim``, mean and standard deviation of the conditional permutations of local Moran's I.

    ``z`` is esda's standardised variable, ``wmat`` the transformed weights (CSR, panel order), ``observed``
    the local statistics.  The same ``seed`` gives esda's draws (``esda.Moran_Local(..., seed=seed)``).
    """
    self_w, indptr, weights = split_weights(wmat)
    n = z.size
    cards = np.diff(indptr)
    # an island gets one phantom neighbour of weight 0 in esda (island_weight=0): its draws are constant
    max_card = max(int(cards.max()), 1)
    ids = permuted_ids(max_card, n, permutations, seed)
    scaling = (n - 1) / float((z * z).sum())
    p_sim, ei, sei = np.empty(n), np.empty(n), np.empty(n)
    _compiled()(
        np.ascontiguousarray(z, dtype=float),
        indptr,
        weights,
        self_w,
        np.ascontiguousarray(observed, dtype=float),
        ids,
        scaling,
        p_sim,
        ei,
        sei,
    )
    return p_sim, ei, sei
