"""Super-observations: weighted means of kept soundings on a grid and time step (issue #5).

A super-observation gathers the kept soundings of one grid cell, one time step, one surface
type and one number of retrieved levels (so that all members share the same profile slots and
their averaging kernels can be averaged slot by slot). With the observation error s_i of each
sounding (ppb) and inverse-variance weights (H19 Eq. A2) with every error taken at a common XCO,
w_i = (s_i / y_i)^-2 / sum_k (s_k / y_k)^-2:

    y   = sum_i w_i y_i
    sigma_retrieval^2 = sum_ij w_i w_j R_ij s_i s_j                     (docs/methods.md sect. 10)

with R_ii = 1, R_ij = rho(d_ij) for two soundings of the same overpass (the correlation model
fitted to SRA residuals, :mod:`satcol.validation.error_correlation`) and 0 for soundings of different
overpasses. For a constant rho = c this is docs/methods.md's sigma^2 [(1 - c)/N + c] at equal s.
The total error adds a configurable representation/transport error in quadrature (as the IMI
super-observation error does, Chen et al. 2023 Eq. 5):

    sigma^2 = sigma_retrieval^2 + sigma_representation^2

The effective number of independent soundings is reported as n_eff = N sigma_ind^2 /
sigma_retrieval^2, with sigma_ind^2 = sum_i w_i^2 s_i^2 the variance if errors were independent.

Why relative errors in the weights: MOPITT retrieves log10 VMR, so its errors in ppb scale
with the retrieved value (s_i = y_i x relative error, the relative error set by the log10
error covariance alone). Plain 1/s_i^2 weights then favour the soundings whose errors happen
to be negative, and the weighted mean is biased low by about 2 s^2 / y (0.2 ppb at s = 3 ppb,
y = 90 ppb) [D]. The relative error does not depend on the error's realisation, so these weights
are inverse-variance weights without that bias. (Where only part of an error budget scales
with y, a share f of the variance, the bias with these weights is about +2 (1 - f) s^2 / y: in
the synthetic OSSE, whose forward-model error is constant in ppb, about +0.1 ppb.)

The averaged kernel, prior and surface pressure describe the super-observation to an
observation operator (:mod:`satcol.export.obsop`): the prior is averaged in log10 VMR (MOPITT's state),
A and the column AK linearly, all with the same weights.
"""

from __future__ import annotations

import numpy as np

from satcol.validation.error_correlation import CorrelationModel, pairs_within_groups, separation_km


def cell_keys(lat, lon, time_s, surface, n_levels, lat_size, lon_size, step_s, origin_s) -> np.ndarray:
    """A packed int64 key per sounding: (time step, lat cell, lon cell, surface, n_levels)."""
    n_lat = int(np.ceil(180.0 / lat_size))
    n_lon = int(np.ceil(360.0 / lon_size))
    i_lat = np.clip(np.floor((np.asarray(lat, dtype=np.float64) + 90.0) / lat_size), 0, n_lat - 1).astype(np.int64)
    lon = (np.asarray(lon, dtype=np.float64) + 180.0) % 360.0
    i_lon = np.clip(np.floor(lon / lon_size), 0, n_lon - 1).astype(np.int64)
    step = np.floor((np.asarray(time_s, dtype=np.float64) - origin_s) / step_s).astype(np.int64)
    key = step
    for part, size in ((i_lat, n_lat), (i_lon, n_lon), (np.asarray(surface, dtype=np.int64), 3),
                       (np.asarray(n_levels, dtype=np.int64), 11)):
        key = key * size + part
    return key


def unpack_keys(keys, lat_size, lon_size):
    """Inverse of :func:`cell_keys`: dict of step, i_lat, i_lon, surface, n_levels."""
    n_lat = int(np.ceil(180.0 / lat_size))
    n_lon = int(np.ceil(360.0 / lon_size))
    k = np.asarray(keys, dtype=np.int64)
    k, n_levels = np.divmod(k, 11)
    k, surface = np.divmod(k, 3)
    k, i_lon = np.divmod(k, n_lon)
    step, i_lat = np.divmod(k, n_lat)
    return {"step": step, "i_lat": i_lat, "i_lon": i_lon, "surface": surface, "n_levels": n_levels}


def overpass_ids(time_s, group, gap_s) -> np.ndarray:
    """Overpass number of each sounding within its group: a new overpass after a time gap
    longer than ``gap_s`` (rows sorted by group, then time)."""
    t = np.asarray(time_s, dtype=np.float64)
    g = np.asarray(group)
    if t.size == 0:  # a month without super-observations (np.r_ below would give one overpass)
        return np.zeros(0, dtype=np.int64)
    new = np.r_[True, (g[1:] != g[:-1]) | (np.diff(t) > gap_s)]
    return np.cumsum(new) - 1


def error_variance(group, weights, s, lat, lon, overpass, models_by_row: list[tuple[np.ndarray, CorrelationModel]],
                   n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """sum_ij w_i w_j R_ij s_i s_j per group, with the correlation model and assuming independence.

    Rows must be sorted by group. ``models_by_row`` pairs a boolean row mask with the model that
    applies to those rows (one per surface; a pair takes row i's model, and both rows of a pair
    are always of one surface since the surface is part of the group key).
    """
    ws = np.asarray(weights, dtype=np.float64) * np.asarray(s, dtype=np.float64)
    independent = np.bincount(group, weights=ws * ws, minlength=n_groups)
    var = independent.copy()
    model_of_row = np.zeros(len(ws), dtype=np.int64)
    for k, (mask, _) in enumerate(models_by_row):
        model_of_row[np.asarray(mask, dtype=bool)] = k
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    for i, j in pairs_within_groups(group):
        same = overpass[i] == overpass[j]
        i, j = i[same], j[same]
        if not i.size:
            continue
        d = separation_km(lat[i], lon[i], lat[j], lon[j])
        rho = np.zeros(i.size)
        for k, (_, model) in enumerate(models_by_row):
            m = model_of_row[i] == k
            rho[m] = model.rho(np.maximum(d[m], 1e-6))
        var += np.bincount(group[i], weights=2.0 * rho * ws[i] * ws[j], minlength=n_groups)
    return var, independent


def build(table: dict, profiles: dict, s, models: dict, cfg: dict, origin_s: float, gap_s: float) -> dict:
    """Super-observations of the kept soundings in ``table``.

    ``table``: arrays time_s, lat, lon, surface, n_levels, psurf, xgas (the column average,
    corrected and scaled);
    ``profiles``: prior_vmr, retrieved_vmr (corrected), averaging_kernel, column_averaging_kernel
    (n, 10[, 10]); ``s``: observation error per sounding (ppb, scaled like xgas); ``models``:
    correlation model per surface name; ``cfg``: ``export.superobs``. Returns a dict of
    per-super-observation arrays under the generic names (``xgas``, ``xgas_error``, ...;
    :mod:`satcol.export.names`; members sorted by key, then time).
    """
    lat_size, lon_size = float(cfg["lat_size_deg"]), float(cfg["lon_size_deg"])
    step_s = float(cfg["time_step_hours"]) * 3600.0
    t = np.asarray(table["time_s"], dtype=np.float64)
    s = np.asarray(s, dtype=np.float64)
    use = (np.isfinite(table["xgas"]) & (np.asarray(table["xgas"]) > 0) & np.isfinite(s) & (s > 0)
           & np.isin(table["surface"], (0, 1)))
    idx = np.flatnonzero(use)
    keys = cell_keys(table["lat"][idx], table["lon"][idx], t[idx], table["surface"][idx], table["n_levels"][idx],
                     lat_size, lon_size, step_s, origin_s)
    order = np.lexsort((t[idx], keys))
    rows, keys = idx[order], keys[order]
    uniq, group, counts = np.unique(keys, return_inverse=True, return_counts=True)
    big = counts >= int(cfg["min_soundings"])
    keep_rows = big[group]
    rows, keys = rows[keep_rows], keys[keep_rows]
    uniq, group, counts = np.unique(keys, return_inverse=True, return_counts=True)
    G = uniq.size
    xgas = np.asarray(table["xgas"], dtype=np.float64)
    inv = (xgas[rows] / s[rows]) ** 2  # 1 / relative error^2 (module docstring)
    wsum = np.bincount(group, weights=inv, minlength=G)
    w = inv / wsum[group]

    block = 10  # profile entries summed per pass: bounded memory for the 100 AK entries
    flat_ids = {}

    def wmean(v):
        """Weighted mean per super-observation; NaN entries (slots below the surface) are left
        out and the weights renormalised over the members that have the entry.

        Entries go through in blocks of ``block`` columns, each block as one bincount over
        (group, column) ids: every sum adds the same products in the same (row) order as a
        bincount per column, so the means are the same bit for bit (issue #7)."""
        v = np.asarray(v)
        shape = v.shape[1:]
        k = int(np.prod(shape))
        flat = v.reshape(v.shape[0], k)
        num, den = np.empty((G, k)), np.empty((G, k))
        for c0 in range(0, k, block):
            b = min(block, k - c0)
            if b not in flat_ids:
                flat_ids[b] = (group[:, None] * b + np.arange(b)).ravel()
            x = flat[rows, c0:c0 + b].astype(np.float64)
            ok = np.isfinite(x)
            vals = np.where(ok, x, 0.0)
            num[:, c0:c0 + b] = np.bincount(flat_ids[b], (w[:, None] * vals).ravel(), minlength=G * b).reshape(G, b)
            den[:, c0:c0 + b] = np.bincount(flat_ids[b], (w[:, None] * ok).ravel(), minlength=G * b).reshape(G, b)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(den > 0, num / den, np.nan)
        return out.reshape((G,) + shape)

    overpass = overpass_ids(t[rows], group, gap_s)
    surf_rows = np.asarray(table["surface"])[rows]
    model_rows = [(surf_rows == 1, models["land"]), (surf_rows == 0, models["water"])]
    var, var_ind = error_variance(group, w, s[rows], np.asarray(table["lat"])[rows], np.asarray(table["lon"])[rows],
                                  overpass, model_rows, G)
    n_overpasses = np.bincount(group, weights=np.r_[True, (group[1:] != group[:-1]) | (overpass[1:] != overpass[:-1])],
                               minlength=G).astype(np.int32)
    cell = unpack_keys(uniq, lat_size, lon_size)
    repr_err = float(cfg["representation_error_ppb"])
    sigma_ret = np.sqrt(var)
    log_prior = np.log10(np.asarray(profiles["prior_vmr"], dtype=np.float64))
    log_ret = np.log10(np.asarray(profiles["retrieved_vmr"], dtype=np.float64))
    with np.errstate(invalid="ignore", divide="ignore"):
        prior_log_mean = wmean(log_prior)
        ret_log_mean = wmean(log_ret)
    return {
        "key": uniq,
        "step": cell["step"],
        "lat_center": -90.0 + (cell["i_lat"] + 0.5) * lat_size,
        "lon_center": -180.0 + (cell["i_lon"] + 0.5) * lon_size,
        "surface": cell["surface"].astype(np.int8),
        "n_levels": cell["n_levels"].astype(np.int8),
        "time_s": wmean(t),
        "time_start_s": origin_s + cell["step"] * step_s,
        "time_end_s": origin_s + (cell["step"] + 1) * step_s,
        "lat_mean": wmean(table["lat"]),
        "lon_mean": _circular_wmean(np.asarray(table["lon"], dtype=np.float64)[rows], w, group, G),
        "xgas": wmean(table["xgas"]),
        "xgas_error_retrieval": sigma_ret,
        "xgas_error_representation": np.full(G, repr_err),
        "xgas_error": np.sqrt(var + repr_err**2),
        "xgas_error_if_independent": np.sqrt(var_ind),
        "n_soundings": counts.astype(np.int32),
        "n_overpasses": n_overpasses,
        "n_effective": counts * var_ind / var,
        "psurf": wmean(table["psurf"]),
        "prior_log10_vmr": prior_log_mean,
        "retrieved_log10_vmr": ret_log_mean,
        "averaging_kernel": wmean(profiles["averaging_kernel"]),
        "column_averaging_kernel": wmean(profiles["column_averaging_kernel"]),
        "members": rows,
        "member_group": group,
        "member_weight": w,
    }


def _circular_wmean(lon, w, group, G):
    """Weighted mean longitude that is right across the dateline."""
    r = np.radians(lon)
    c = np.bincount(group, weights=w * np.cos(r), minlength=G)
    sn = np.bincount(group, weights=w * np.sin(r), minlength=G)
    return np.degrees(np.arctan2(sn, c))
