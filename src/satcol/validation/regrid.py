"""Column physics of the MOPITT-TCCON comparison (H19 Sect. 4 and App. B-C; docs/methods.md sect. 4-7).

Array conventions: MOPITT profiles are (..., 10) in product slot order (surface, 900, ..., 100
hPa; each value is the VMR of the layer above the level, NaN where the level is below the
surface), averaging kernels (..., 10, 10) with rows = retrieved levels, VMRs in ppb. TCCON
profiles are on levels ordered from the surface upward.
"""

from __future__ import annotations

import numpy as np

from satcol.instruments.mopitt import levels

LN10 = np.log(10.0)


# --- pressure weighting function ----------------------------------------------------------------
def physical_layer_weights(psurf) -> np.ndarray:
    """h over the 11 physical MOPITT layers (..., 11): the 10 slots with the 100 hPa slot only
    100->50 hPa, plus the 50->0 hPa layer; h_j = dp_j / psurf, sums to 1 (docs/methods.md sect. 4).
    The VMR of the 50->0 hPa layer is 0.48 x that of the 100 hPa slot (H19 Sect. 2.1)."""
    psurf = np.asarray(psurf, dtype=np.float64)
    dp = levels.layer_thickness(psurf)
    dp[..., 9] = 50.0
    top = np.full(psurf.shape + (1,), 50.0)
    return np.concatenate([dp, top], axis=-1) / psurf[..., None]


def mopitt_layer_edges(psurf, p_target=None) -> tuple[np.ndarray, np.ndarray]:
    """Bottom and top pressure (..., 10) of each MOPITT slot's layer: the slot's level and the
    next retrieved level above (fixed levels for slots 1-8, 50 hPa for slot 9, the first
    retrieved fixed level for the surface slot). With ``p_target`` the surface layer's bottom
    is max(psurf, p_target) (extended to a lower-lying site). NaN for slots below the surface."""
    psurf = np.asarray(psurf, dtype=np.float64)
    p = levels.level_pressures(psurf)
    valid = np.isfinite(p)
    top = np.empty(p.shape)
    top[..., 1:9] = levels.PRESSURE_GRID[1:]
    top[..., 9] = 50.0
    top[..., 0] = np.where(valid[..., 1:], p[..., 1:], -np.inf).max(axis=-1)
    bottom = p.copy()
    if p_target is not None:
        bottom[..., 0] = np.maximum(psurf, p_target)
    return np.where(valid, bottom, np.nan), np.where(valid, top, np.nan)


def surface_adjusted_weights(psurf_mopitt, psurf_target) -> np.ndarray:
    """Effective h (..., 10) of a MOPITT profile moved to another surface pressure (H19 Sect. 4.1,
    docs/methods.md sect. 7): for a higher target pressure the lowest retrieved layer is extended
    uniformly; for a lower one, layers below the target get h = 0 and the layer containing it
    keeps its part above. h_j = dp'_j / P_target with the 74 hPa effective top layer."""
    pm = np.asarray(psurf_mopitt, dtype=np.float64)
    pt = np.broadcast_to(np.asarray(psurf_target, dtype=np.float64), pm.shape)
    bottom, top = mopitt_layer_edges(pm, pt)
    dp = np.nan_to_num(np.clip(np.minimum(bottom, pt[..., None]) - top, 0.0, None))
    # Top slot: 100 -> 50 hPa as above, plus the 50 -> 0 hPa layer at 0.48 of its VMR.
    dp[..., 9] += levels.TOP_LAYER_FACTOR * np.minimum(50.0, pt)
    return dp / pt[..., None]


def column(h, x) -> np.ndarray:
    """sum_j h_j x_j over the last axis, NaN slots ignored (H19 Eq. 4)."""
    x = np.asarray(x, dtype=np.float64)
    return np.sum(np.where(np.isfinite(x), h * x, 0.0), axis=-1)


# --- averaging kernels ----------------------------------------------------------------------------
def column_averaging_kernel(A, x_hat, h) -> np.ndarray:
    """MOPITT column AK a_j = d c / d log10 x_j = ln10 sum_i h_i x_hat_i A_ij (H19 App. B,
    Eqs. B1-B2), in ppb per unit log10 VMR. Slots that are NaN contribute nothing."""
    A = np.nan_to_num(np.asarray(A, dtype=np.float64))
    w = np.nan_to_num(np.asarray(h, dtype=np.float64) * np.asarray(x_hat, dtype=np.float64))
    return LN10 * np.einsum("...i,...ij->...j", w, A)


def unitless_column_ak(a, h, x) -> np.ndarray:
    """H19 Eq. B3: a~_j = a_j / (h_j x_j ln10) (1 for a perfect instrument at x = prior)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(a) / (np.asarray(h) * np.asarray(x) * LN10)


def change_of_prior_log(x_hat, A, x_a, x_c) -> np.ndarray:
    """Rodgers & Connor (2003) Eq. (i) in MOPITT's log10 state:
    log10 x' = log10 x_hat + (A - I)(log10 x_a - log10 x_c); returns x' (ppb)."""
    A = np.nan_to_num(np.asarray(A, dtype=np.float64))
    d = np.nan_to_num(np.log10(x_a) - np.log10(x_c))
    n = d.shape[-1]
    corr = np.einsum("...ij,...j->...i", A - np.eye(n), d)
    return 10.0 ** (np.log10(x_hat) + corr)


# --- vertical regridding (H19 App. C) ------------------------------------------------------------
def levels_to_layer_means(p_levels, x_levels, edges_bottom, edges_top, n_sub=500) -> np.ndarray:
    """Average of a level profile over each layer [bottom, top] (hPa): the layer is cut into
    ``n_sub`` equal-pressure sub-layers, the profile interpolated linearly in pressure to their
    midpoints, and the plain mean taken (H19 App. C). Outside the profile's range the end values
    are held. p_levels, x_levels: (..., L) surface first; edges: (..., K)."""
    p = np.asarray(p_levels, dtype=np.float64)
    x = np.asarray(x_levels, dtype=np.float64)
    lo = np.asarray(edges_bottom, dtype=np.float64)
    hi = np.asarray(edges_top, dtype=np.float64)
    frac = (np.arange(n_sub) + 0.5) / n_sub
    mids = lo[..., None] + (hi - lo)[..., None] * frac  # (..., K, n_sub)
    batch = p.shape[:-1]
    pf = p.reshape(-1, p.shape[-1])
    xf = x.reshape(-1, x.shape[-1])
    mf = mids.reshape(pf.shape[0], -1)
    order = np.argsort(pf, axis=-1)
    out = interp_rows(mf, np.take_along_axis(pf, order, -1), np.take_along_axis(xf, order, -1))
    return out.reshape(batch + mids.shape[-2:]).mean(axis=-1)


def interp_rows(x_new, x_old, y_old) -> np.ndarray:
    """Row-wise linear interpolation, constant beyond the ends; x_old ascending in each row
    (n, m), x_new (n, k). One flat searchsorted serves every row: rows are shifted apart by more
    than the data's span."""
    x_new = np.asarray(x_new, dtype=np.float64)
    x_old = np.asarray(x_old, dtype=np.float64)
    y_old = np.asarray(y_old, dtype=np.float64)
    n, m = x_old.shape
    lo = min(np.nanmin(x_old), np.nanmin(x_new))
    span = max(np.nanmax(x_old), np.nanmax(x_new)) - lo + 1.0
    offs = (np.arange(n) * span)[:, None] - lo
    idx = np.searchsorted((x_old + offs).ravel(), (x_new + offs).ravel()).reshape(x_new.shape)
    idx = np.clip(idx - (np.arange(n) * m)[:, None], 1, m - 1)
    x0 = np.take_along_axis(x_old, idx - 1, 1)
    x1 = np.take_along_axis(x_old, idx, 1)
    y0 = np.take_along_axis(y_old, idx - 1, 1)
    y1 = np.take_along_axis(y_old, idx, 1)
    dx = x1 - x0
    w = np.clip(np.divide(x_new - x0, dx, out=np.zeros_like(x_new), where=dx > 0), 0.0, 1.0)
    return y0 + w * (y1 - y0)


def layer_means_to_levels(widths, means) -> np.ndarray:
    """Mass-conserving piecewise-linear profile through layer midpoints (docs/methods.md sect. 6b).

    Knot values y_k at layer midpoints such that the exact mean of the piecewise-linear function
    over each layer equals the given mean: m_k = [f(e_k) + 2 y_k + f(e_k+1)] / 4 with edge values
    f(e_k) = (w_k y_k-1 + w_k-1 y_k) / (w_k-1 + w_k), and linear extrapolation of the end
    segments (y_0 = m_0, y_N-1 = m_N-1). Solves the tridiagonal system; ``widths`` and
    ``means`` are (K,) or (..., K).
    """
    w = np.asarray(widths, dtype=np.float64)
    m = np.asarray(means, dtype=np.float64)
    w, m = np.broadcast_arrays(w, m)
    K = m.shape[-1]
    M = np.zeros(m.shape[:-1] + (K, K))
    M[..., 0, 0] = 1.0
    M[..., K - 1, K - 1] = 1.0
    for k in range(1, K - 1):
        wl, wk, wr = w[..., k - 1], w[..., k], w[..., k + 1]
        # f(e_k) = (wk y_{k-1} + wl y_k)/(wl + wk); f(e_{k+1}) = (wr y_k + wk y_{k+1})/(wk + wr)
        M[..., k, k - 1] = 0.25 * wk / (wl + wk)
        M[..., k, k] = 0.25 * (wl / (wl + wk) + 2.0 + wr / (wk + wr))
        M[..., k, k + 1] = 0.25 * wk / (wk + wr)
    return np.linalg.solve(M, m[..., None])[..., 0]


def piecewise_linear_layer_means(edges, centres, knots) -> np.ndarray:
    """Exact mean over each layer of the piecewise-linear function through (centres, knots),
    extrapolated linearly beyond the end centres (for checking :func:`layer_means_to_levels`)."""
    e = np.asarray(edges, dtype=np.float64)
    c = np.asarray(centres, dtype=np.float64)
    y = np.asarray(knots, dtype=np.float64)

    def f(p):
        order = np.argsort(c)
        cs, ys = c[order], y[order]
        out = np.interp(p, cs, ys)
        lo, hi = p < cs[0], p > cs[-1]
        out = np.where(lo, ys[0] + (p - cs[0]) * (ys[1] - ys[0]) / (cs[1] - cs[0]), out)
        return np.where(hi, ys[-1] + (p - cs[-1]) * (ys[-1] - ys[-2]) / (cs[-1] - cs[-2]), out)

    means = []
    for k in range(c.size):
        a, b = e[k], e[k + 1]
        pts = np.sort(np.r_[a, b, c[(c > min(a, b)) & (c < max(a, b))]])
        vals = f(pts)
        means.append(np.sum(0.5 * (vals[1:] + vals[:-1]) * np.diff(pts)) / (pts[-1] - pts[0]))
    return np.array(means)
