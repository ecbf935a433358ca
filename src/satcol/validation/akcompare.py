"""MOPITT-TCCON comparison methods 0, II and III (H19 Sect. 4.4, App. B-C; docs/methods.md sect. 5).

All functions are vectorised over colocated soundings (first axis n). MOPITT inputs: retrieved
and prior profiles ``x_hat``, ``x_a`` (n, 10) in ppb (NaN below the surface), averaging kernel
``A`` (n, 10, 10) in log10 VMR, surface pressure ``psurf`` (n). TCCON inputs (the daily average
within the time window that each sounding is compared with): surface pressure ``p_t`` (n), prior
on its levels ``p_prior``, ``x_prior`` (n, L, surface first), column AK ``ak`` on ``p_ak``
(n, M, surface first), and the XCO to compare (public or unscaled) ``xco_t`` (n). Where the TCCON
product gives its own integration operator on the prior levels (GGG2020 ``integration_operator``,
stored for dry mole fractions as h (1 - f_h2o), :func:`satcol.pipeline.ingest.tccon_store_part`),
``h_prior`` (n, L) passes it, and the TCCON-side columns use it instead of satcol's pressure
weights on the surface-first grid (:func:`tccon_levels`).

Method 0: MOPITT XCO at the TCCON surface pressure vs TCCON XCO, no AKs.
Method II (H19's headline): MOPITT moved to the TCCON prior, against the TCCON retrieval seen
through the MOPITT AK; compared on MOPITT layers at the TCCON surface pressure.
Method III (reconstruction [V]): the opposite: TCCON moved to the MOPITT prior, against the
MOPITT profile seen through the TCCON AK; compared on TCCON levels.
Each returns ``(y, x)``: the MOPITT-side and TCCON-side columns (ppb), as plotted by H19 Fig. 5.
"""

from __future__ import annotations

import numpy as np

from satcol.instruments.mopitt import levels
from satcol.validation import regrid as columns


def mopitt_layer_edges(psurf, p_t) -> tuple[np.ndarray, np.ndarray]:
    """MOPITT layer edges (n, 10) at the TCCON surface pressure (:func:`columns.mopitt_layer_edges`)."""
    return columns.mopitt_layer_edges(psurf, p_t)


def tccon_prior_on_mopitt_layers(psurf, p_t, p_prior, x_prior) -> np.ndarray:
    """TCCON prior averaged over each MOPITT layer by 500 sub-layers (H19 App. C (a))."""
    bottom, top = mopitt_layer_edges(psurf, p_t)
    valid = np.isfinite(bottom)
    out = columns.levels_to_layer_means(p_prior, x_prior, np.where(valid, bottom, 1000.0), np.where(valid, top, 900.0))
    return np.where(valid, out, np.nan)


def tccon_levels(p_t, p_prior, x_prior) -> tuple[np.ndarray, np.ndarray]:
    """The TCCON integration grid of each measurement: the surface (p_t, prior interpolated
    linearly in log p) and the prior levels above it, surface first, NaN-padded at the end.
    The GGG prior is on a fixed altitude grid from 0 km, so for elevated sites its lowest levels
    lie below the surface and are dropped. To keep a rectangular array, the grid is padded at the
    top by repeating the last level: a repeated level bounds a zero-thickness layer, which has
    zero weight."""
    p_t = np.asarray(p_t, dtype=np.float64)
    p_prior = np.asarray(p_prior, dtype=np.float64)
    x_prior = np.asarray(x_prior, dtype=np.float64)
    order = np.argsort(p_prior, axis=-1)
    lp, xs = np.log(np.take_along_axis(p_prior, order, -1)), np.take_along_axis(x_prior, order, -1)
    x_surf = columns.interp_rows(np.log(p_t)[:, None], lp, xs)
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
    return columns.column(tccon_column_weights(p_prior), x_prior)


def method_0(x_hat, psurf, p_t, xco_t):
    """MOPITT retrieved XCO recomputed for the TCCON surface pressure (H19 Sect. 4.1) vs TCCON."""
    h = columns.surface_adjusted_weights(psurf, p_t)
    return columns.column(h, x_hat), np.asarray(xco_t, dtype=np.float64)


def method_ii(x_hat, x_a, A, psurf, p_t, p_prior, x_prior, xco_t, exact=True, h_prior=None):
    """H19 method II (docs/methods.md sect. 5).

    y = c^{M'} = sum h_j 10^{log10 x_hat + (A - I)(log10 x_aM - log10 x_aT)}   (MOPITT at the TCCON prior)
    x = c^{M<-T} = c_aT + log10(gamma) sum_j a_M,j    (linearised), or
        sum h_j x_aT,j 10^{log10(gamma) sum_k A_jk}    (exact profile form),
    with gamma = XCO_T / c_aT(TCCON grid) the TCCON profile scaling factor and a_M the MOPITT
    column AK (H19 Eqs. B1-B2). h is evaluated at the TCCON surface pressure. With the
    product's integration operator ``h_prior`` (n, L, on the given prior levels), the TCCON
    prior column is c_aT = sum_i h_prior,i x_aT,i, the product's own (GGG2020: prior_xco).
    """
    h = columns.surface_adjusted_weights(psurf, p_t)
    p_lev, x_lev = tccon_levels(p_t, p_prior, x_prior)
    x_at = tccon_prior_on_mopitt_layers(psurf, p_t, p_lev, x_lev)
    if h_prior is None:
        c_at = tccon_prior_column(p_lev, x_lev)
    else:
        c_at = columns.column(np.asarray(h_prior, dtype=np.float64), x_prior)
    gamma = np.asarray(xco_t, dtype=np.float64) / c_at
    A0 = np.nan_to_num(A)
    if exact:
        y = columns.column(h, columns.change_of_prior_log(x_hat, A0, x_a, x_at))
        x = columns.column(h, x_at * 10.0 ** (np.log10(gamma)[:, None] * A0.sum(axis=-1)))
    else:
        n = A0.shape[-1]
        d = np.nan_to_num(np.log10(x_a) - np.log10(x_at))
        corr = np.einsum("...ij,...j->...i", A0 - np.eye(n), d)
        y = columns.column(h, x_hat) + columns.LN10 * columns.column(h, np.nan_to_num(x_hat) * corr)
        a = columns.column_averaging_kernel(A0, x_hat, h)
        x = columns.column(h, x_at) + np.log10(gamma) * np.sum(a, axis=-1)
    return y, x


def mopitt_on_tccon_levels(x_layers, psurf, p_levels) -> np.ndarray:
    """MOPITT layer VMRs (n, 10) -> values on TCCON levels (n, L) by the mass-conserving linear
    profile through the layer midpoints (H19 App. C (b)), with the 50-0 hPa layer at 0.48 x the
    100 hPa slot. Soundings are grouped by their number of retrieved levels (at most 10 groups)."""
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
        knots = columns.layer_means_to_levels(widths, x)
        centres = 0.5 * (edges[:, :-1] + edges[:, 1:])
        # Piecewise linear through the knots (ascending pressure for interp_rows).
        xo, yo = centres[:, ::-1], knots[:, ::-1]
        lin = columns.interp_rows(p_levels[rows], xo, yo)
        # Linear extrapolation beyond the outer midpoints, as the mass-conserving scheme assumes.
        pl = p_levels[rows]
        lo_slope = (yo[:, 1] - yo[:, 0]) / (xo[:, 1] - xo[:, 0])
        hi_slope = (yo[:, -1] - yo[:, -2]) / (xo[:, -1] - xo[:, -2])
        lin = np.where(pl < xo[:, :1], yo[:, :1] + (pl - xo[:, :1]) * lo_slope[:, None], lin)
        lin = np.where(pl > xo[:, -1:], yo[:, -1:] + (pl - xo[:, -1:]) * hi_slope[:, None], lin)
        out[rows] = lin
    return out


def method_iii(x_hat, x_a, psurf, p_t, p_prior, x_prior, p_ak, ak, xco_t, h_prior=None):
    """Method III [V] on the TCCON levels (from p_t up, :func:`tccon_levels`; docs/methods.md sect. 5):

    x = c'_T = c_T + sum h_j (a_T,j - 1)(x_aT,j - x_aM,j)            (TCCON at the MOPITT prior)
    y = c_{T<-M} = sum h_j x_aM,j + sum h_j a_T,j (x_hat_M,j - x_aM,j)  (MOPITT through the TCCON AK)

    With the product's integration operator ``h_prior`` (GGG2020) the sums run over the prior
    levels as given with h = h_prior: y is then the TCCON model-comparison formula X_model =
    sum h f_prior + sum h a (f_model - f_prior) (TCCON wiki, AuxiliaryDataGGG2020, cited in the files' usage attribute) with the
    MOPITT prior as f_prior and the MOPITT profile as f_model, all dry mole fractions.
    """
    if h_prior is None:
        p_lev, x_prior = tccon_levels(p_t, p_prior, x_prior)
        h = tccon_column_weights(p_lev)
    else:
        p_lev = np.asarray(p_prior, dtype=np.float64)
        x_prior = np.asarray(x_prior, dtype=np.float64)
        h = np.asarray(h_prior, dtype=np.float64)
    order = np.argsort(p_ak, axis=-1)
    a_t = columns.interp_rows(p_lev, np.take_along_axis(p_ak, order, -1), np.take_along_axis(ak, order, -1))
    x_am = mopitt_on_tccon_levels(x_a, psurf, p_lev)
    x_hm = mopitt_on_tccon_levels(x_hat, psurf, p_lev)
    x = np.asarray(xco_t, dtype=np.float64) + columns.column(h, (a_t - 1.0) * (x_prior - x_am))
    y = columns.column(h, x_am) + columns.column(h, a_t * (x_hm - x_am))
    return y, x
