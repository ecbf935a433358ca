"""Regridding for the satellite-TCCON comparison (H19 Sect. 4.1 and App. C; docs/methods.md
sect. 4, 6 and 7): pressure weights, the surface-pressure adjustment, the TCCON integration grid
and the moves of profiles between the satellite's layers and the TCCON levels. The kernel
algebra that uses them (column AKs, change of prior, methods 0/II/III) is
:mod:`satcol.validation.akcompare`.

Array conventions: MOPITT profiles are (..., 10) in product slot order (surface, 900, ..., 100
hPa; each value is the VMR of the layer above the level, NaN where the level is below the
surface), averaging kernels (..., 10, 10) with rows = retrieved levels, VMRs in ppb. TCCON
profiles are on levels ordered from the surface upward. Pressures in hPa.
"""

from __future__ import annotations

import numpy as np

from satcol.instruments.mopitt import levels

#: Kernel functions that lived here before the split (issue 20 item 4): ``satcol.columns.X``
#: still finds them, in :mod:`satcol.validation.akcompare`.
_MOVED_TO_AKCOMPARE = ("LN10", "column_averaging_kernel", "unitless_column_ak", "change_of_prior_log")


def __getattr__(name):
    if name in _MOVED_TO_AKCOMPARE:
        from satcol.validation import akcompare

        return getattr(akcompare, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- pressure weighting function ----------------------------------------------------------------
def physical_layer_weights(psurf) -> np.ndarray:
    """h over the 11 physical MOPITT layers (..., 11): the 10 slots with the 100 hPa slot only
    100->50 hPa, plus the 50->0 hPa layer; h_j = dp_j / psurf, sums to 1 (docs/methods.md sect. 4).
    The VMR of the 50->0 hPa layer is 0.48 x that of the 100 hPa slot (H19 Sect. 2.1).

    Parameters
    ----------
    psurf : array_like (...)
        Surface pressure, hPa.

    Returns
    -------
    numpy.ndarray (..., 11)
        Layer weights (unitless), 0 for slots below the surface.
    """
    psurf = np.asarray(psurf, dtype=np.float64)
    dp = levels.layer_thickness(psurf)
    dp[..., 9] = 50.0
    top = np.full(psurf.shape + (1,), 50.0)
    return np.concatenate([dp, top], axis=-1) / psurf[..., None]


def mopitt_layer_edges(psurf, p_target=None) -> tuple[np.ndarray, np.ndarray]:
    """Bottom and top pressure (..., 10) of each MOPITT slot's layer: the slot's level and the
    next retrieved level above (fixed levels for slots 1-8, 50 hPa for slot 9, the first
    retrieved fixed level for the surface slot). With ``p_target`` the surface layer's bottom
    is max(psurf, p_target) (extended to a lower-lying site). NaN for slots below the surface.

    Parameters
    ----------
    psurf : array_like (...)
        MOPITT surface pressure, hPa.
    p_target : array_like (...), optional
        Surface pressure to extend the lowest layer to (TCCON's), hPa.

    Returns
    -------
    bottom, top : numpy.ndarray (..., 10)
        Layer bottom and top pressure, hPa.
    """
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
    keeps its part above. h_j = dp'_j / P_target with the 74 hPa effective top layer.

    Parameters
    ----------
    psurf_mopitt : array_like (...)
        MOPITT surface pressure, hPa.
    psurf_target : array_like (...)
        Target (TCCON) surface pressure, hPa.

    Returns
    -------
    numpy.ndarray (..., 10)
        Weights h' (unitless) of the 10 MOPITT slots at the target surface pressure.
    """
    pm = np.asarray(psurf_mopitt, dtype=np.float64)
    pt = np.broadcast_to(np.asarray(psurf_target, dtype=np.float64), pm.shape)
    bottom, top = mopitt_layer_edges(pm, pt)
    dp = np.nan_to_num(np.clip(np.minimum(bottom, pt[..., None]) - top, 0.0, None))
    # Top slot: 100 -> 50 hPa as above, plus the 50 -> 0 hPa layer at 0.48 of its VMR.
    dp[..., 9] += levels.TOP_LAYER_FACTOR * np.minimum(50.0, pt)
    return dp / pt[..., None]


def column(h, x) -> np.ndarray:
    """sum_j h_j x_j over the last axis, NaN slots ignored (H19 Eq. 4).

    Parameters
    ----------
    h : array_like (..., K)
        Pressure weights (unitless).
    x : array_like (..., K)
        Profile (VMR, e.g. ppb); NaN where absent.

    Returns
    -------
    numpy.ndarray (...)
        The column average, units of ``x``.
    """
    x = np.asarray(x, dtype=np.float64)
    return np.sum(np.where(np.isfinite(x), h * x, 0.0), axis=-1)


# --- vertical regridding (H19 App. C) ------------------------------------------------------------
def levels_to_layer_means(p_levels, x_levels, edges_bottom, edges_top, n_sub=500) -> np.ndarray:
    """Average of a level profile over each layer [bottom, top] (hPa): the layer is cut into
    ``n_sub`` equal-pressure sub-layers, the profile interpolated linearly in pressure to their
    midpoints, and the plain mean taken (H19 App. C). Outside the profile's range the end values
    are held.

    Parameters
    ----------
    p_levels, x_levels : array_like (..., L)
        Level pressures (hPa, surface first) and values (e.g. ppb).
    edges_bottom, edges_top : array_like (..., K)
        Layer bottom and top pressures, hPa.
    n_sub : int
        Sub-layers per layer.

    Returns
    -------
    numpy.ndarray (..., K)
        Layer means, units of ``x_levels``.
    """
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
    segments (y_0 = m_0, y_N-1 = m_N-1). Solves the tridiagonal system.

    Parameters
    ----------
    widths : array_like (K,) or (..., K)
        Layer thicknesses, hPa.
    means : array_like (K,) or (..., K)
        Layer means (e.g. ppb).

    Returns
    -------
    numpy.ndarray (..., K)
        Knot values at the layer midpoints, units of ``means``.
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


# --- TCCON grid and the two regriddings of the comparison (H19 App. C) ----------------------------
def tccon_prior_on_mopitt_layers(psurf, p_t, p_prior, x_prior) -> np.ndarray:
    """TCCON prior averaged over each MOPITT layer by 500 sub-layers (H19 App. C (a))."""
    bottom, top = mopitt_layer_edges(psurf, p_t)
    valid = np.isfinite(bottom)
    out = levels_to_layer_means(p_prior, x_prior, np.where(valid, bottom, 1000.0), np.where(valid, top, 900.0))
    return np.where(valid, out, np.nan)


def tccon_levels(p_t, p_prior, x_prior) -> tuple[np.ndarray, np.ndarray]:
    """The TCCON integration grid of each measurement: the surface (p_t, prior interpolated
    linearly in log p) and the prior levels above it, surface first, NaN-padded at the end.
    The GGG prior is on a fixed altitude grid from 0 km, so for elevated sites its lowest levels
    lie below the surface and are dropped. To keep a rectangular array, the grid is padded at the
    top by repeating the last level: a repeated level bounds a zero-thickness layer, which has
    zero weight.

    Parameters
    ----------
    p_t : array_like (n,)
        TCCON surface pressure, hPa.
    p_prior, x_prior : array_like (n, L)
        Prior levels (hPa, any order) and prior (ppb).

    Returns
    -------
    p, x : numpy.ndarray (n, L + 1)
        Levels (hPa, surface first) and the prior on them (ppb).
    """
    p_t = np.asarray(p_t, dtype=np.float64)
    p_prior = np.asarray(p_prior, dtype=np.float64)
    x_prior = np.asarray(x_prior, dtype=np.float64)
    order = np.argsort(p_prior, axis=-1)
    lp, xs = np.log(np.take_along_axis(p_prior, order, -1)), np.take_along_axis(x_prior, order, -1)
    x_surf = interp_rows(np.log(p_t)[:, None], lp, xs)
    above = p_prior < p_t[:, None]
    p = np.concatenate([p_t[:, None], np.where(above, p_prior, np.nan)], axis=1)
    x = np.concatenate([x_surf, np.where(above, x_prior, np.nan)], axis=1)
    key = np.where(np.isfinite(p), -p, np.inf)  # descending pressure, NaN last
    idx = np.argsort(key, axis=-1, kind="stable")
    p, x = np.take_along_axis(p, idx, -1), np.take_along_axis(x, idx, -1)
    last = np.maximum.accumulate(np.where(np.isfinite(p), np.arange(p.shape[-1]), 0), axis=-1)
    return np.take_along_axis(p, last, -1), np.take_along_axis(x, last, -1)


def tccon_column_weights(p_levels) -> np.ndarray:
    """TCCON level weights (sum 1) on levels from the surface up (docs/methods.md sect. 4)."""
    return levels.level_pressure_weights(p_levels)


def tccon_prior_column(p_prior, x_prior) -> np.ndarray:
    """c_aT = sum_j h_j x_aT,j on the TCCON prior levels."""
    return column(tccon_column_weights(p_prior), x_prior)


def mopitt_on_tccon_levels(x_layers, psurf, p_levels) -> np.ndarray:
    """MOPITT layer VMRs (n, 10) -> values on TCCON levels (n, L) by the mass-conserving linear
    profile through the layer midpoints (H19 App. C (b)), with the 50-0 hPa layer at 0.48 x the
    100 hPa slot. Soundings are grouped by their number of retrieved levels (at most 10 groups).

    Parameters
    ----------
    x_layers : array_like (n, 10)
        MOPITT slot VMRs (ppb), NaN below the surface.
    psurf : array_like (n,)
        MOPITT surface pressure, hPa.
    p_levels : array_like (n, L)
        TCCON levels, hPa.

    Returns
    -------
    numpy.ndarray (n, L)
        The profile on the TCCON levels, ppb.
    """
    psurf = np.asarray(psurf, dtype=np.float64)
    x_layers = np.asarray(x_layers, dtype=np.float64)
    p_levels = np.asarray(p_levels, dtype=np.float64)
    valid = levels.valid_levels(psurf)
    nv = valid.sum(axis=-1)
    out = np.full(p_levels.shape, np.nan)
    for k in np.unique(nv):
        rows = np.flatnonzero(nv == k)
        sel = valid[rows]
        # Layers: the k retrieved slots (surface first) plus 50->0 hPa.
        x = np.concatenate([x_layers[rows][sel].reshape(rows.size, k), 0.48 * x_layers[rows, 9:10]], axis=1)
        p_slot = levels.level_pressures(psurf[rows])[sel].reshape(rows.size, k)
        edges = np.concatenate([p_slot, np.full((rows.size, 2), [50.0, 0.0])], axis=1)  # k + 2 edges
        widths = edges[:, :-1] - edges[:, 1:]
        knots = layer_means_to_levels(widths, x)
        centres = 0.5 * (edges[:, :-1] + edges[:, 1:])
        # Piecewise linear through the knots (ascending pressure for interp_rows).
        xo, yo = centres[:, ::-1], knots[:, ::-1]
        lin = interp_rows(p_levels[rows], xo, yo)
        # Linear extrapolation beyond the outer midpoints, as the mass-conserving scheme assumes.
        pl = p_levels[rows]
        lo_slope = (yo[:, 1] - yo[:, 0]) / (xo[:, 1] - xo[:, 0])
        hi_slope = (yo[:, -1] - yo[:, -2]) / (xo[:, -1] - xo[:, -2])
        lin = np.where(pl < xo[:, :1], yo[:, :1] + (pl - xo[:, :1]) * lo_slope[:, None], lin)
        lin = np.where(pl > xo[:, -1:], yo[:, -1:] + (pl - xo[:, -1:]) * hi_slope[:, None], lin)
        out[rows] = lin
    return out


def log_pressure_interp(p_new, p_old, x_old) -> np.ndarray:
    """Profiles ``x_old`` on levels ``p_old`` (n, m) at pressures ``p_new`` (n, k), linear in
    log p and held constant beyond the ends (the regridding of a VMR-state instrument's profiles
    in :func:`satcol.validation.akcompare.vmr_methods`). Pressures in hPa, any level order."""
    lp = np.log(np.asarray(p_old, dtype=np.float64))
    order = np.argsort(lp, axis=-1)
    return interp_rows(np.log(np.asarray(p_new, dtype=np.float64)), np.take_along_axis(lp, order, -1),
                       np.take_along_axis(np.asarray(x_old, dtype=np.float64), order, -1))
