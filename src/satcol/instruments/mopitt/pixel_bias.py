"""Pixel-to-pixel bias of MOPITT's four detectors (H19 Sect. 3.1 and 3.4).

Preliminary (Sect. 3.1): each pixel's 1/err^2-weighted mean minus the all-pixel weighted mean,
in global 15-day bins per surface; a linear fit in time per pixel and surface; plus a
year-to-year residual offset per pixel, the same for land and water.

Final (Sect. 3.4): SRA anomalies of the filtered data without pixel correction, averaged per
pixel and surface in 10-day bins, relative to the all-pixel mean; linear fits in time per
pixel x surface x instrument period, periods split at the instrument events
(2 x 4 x 2 = 16 fits for one event).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from satcol.core import binstats
from satcol.core.surface import WATER_LAND
from satcol.core.timeutil import SECONDS_PER_YEAR, utc_year
from satcol.instruments.mopitt.format import N_PIXELS

SURFACES = WATER_LAND


def time_bin(time_s, origin_s: float, bin_days: float) -> np.ndarray:
    return np.floor((np.asarray(time_s, dtype=np.float64) - origin_s) / (bin_days * 86400.0)).astype(np.int64)


def period_of(time_s, events_s) -> np.ndarray:
    """Instrument period index: the number of events at or before each time."""
    return np.searchsorted(np.sort(np.asarray(events_s, dtype=np.float64)), np.asarray(time_s, dtype=np.float64), side="right")


def partial_pixel_means(time_s, surface, pixel, value, err, use, origin_s, bin_days) -> pd.DataFrame:
    """Per-month partial sums per (time bin, surface, pixel) with weights 1/err^2 (H19 Eq. A2)."""
    use = np.asarray(use, dtype=bool) & np.isin(surface, (0, 1))
    keys = {"tbin": time_bin(np.asarray(time_s)[use], origin_s, bin_days),
            "surface": np.asarray(surface)[use], "pixel": np.asarray(pixel)[use]}
    e = np.asarray(err, dtype=np.float64)[use]
    return binstats.partial(keys, np.asarray(value)[use], 1.0 / e**2)


def pixel_differences(reduced: pd.DataFrame, origin_s, bin_days) -> pd.DataFrame:
    """Each pixel's weighted mean minus the all-pixel weighted mean, per time bin and surface."""
    df = reduced.copy()
    tot = df.groupby(["tbin", "surface"])[["sw", "swx"]].transform("sum")
    df["pixel_mean"] = df["swx"] / df["sw"]
    df["all_mean"] = tot["swx"] / tot["sw"]
    df["diff"] = df["pixel_mean"] - df["all_mean"]
    df["t_mid"] = origin_s + (df["tbin"] + 0.5) * bin_days * 86400.0
    return df


def _linear_fit(t_years, y, w):
    """Weighted least-squares line y = a + b t; returns a, b, their standard errors, n bins."""
    ok = np.isfinite(y) & np.isfinite(w) & (w > 0)
    t, y, w = t_years[ok], y[ok], w[ok]
    if t.size < 2 or np.ptp(t) == 0:
        a = float(np.average(y, weights=w)) if t.size else np.nan
        return a, 0.0, np.nan, np.nan, int(t.size)
    X = np.stack([np.ones_like(t), t], axis=1)
    W = w / w.mean()
    xtwx = X.T @ (X * W[:, None])
    beta = np.linalg.solve(xtwx, X.T @ (W * y))
    resid = y - X @ beta
    dof = max(t.size - 2, 1)
    s2 = float(np.sum(W * resid**2) / dof)
    cov = np.linalg.inv(xtwx) * s2
    return float(beta[0]), float(beta[1]), float(np.sqrt(cov[0, 0])), float(np.sqrt(cov[1, 1])), int(t.size)


#: Columns of :func:`fit_trends` (also of its empty result, when no bin had two pixels).
FIT_COLUMNS = ["pixel", "surface", "period", "offset_ppb", "trend_ppb_per_year", "offset_se", "trend_se",
               "n_bins", "weight"]


def fit_trends(diffs: pd.DataFrame, reference_s: float, events_s=(), split_at_events=True) -> pd.DataFrame:
    """Linear fits of the pixel difference in time per pixel x surface (x period).

    Time is in years since ``reference_s``; bins are weighted by the pixel's summed weight.
    """
    d = diffs.copy()
    d["period"] = period_of(d["t_mid"], events_s) if split_at_events else 0
    rows = []
    for (pixel, surface, period), g in d.groupby(["pixel", "surface", "period"]):
        t = (g["t_mid"].to_numpy() - reference_s) / SECONDS_PER_YEAR
        a, b, sa, sb, n = _linear_fit(t, g["diff"].to_numpy(), g["sw"].to_numpy())
        rows.append({"pixel": int(pixel), "surface": int(surface), "period": int(period),
                     "offset_ppb": a, "trend_ppb_per_year": b, "offset_se": sa, "trend_se": sb,
                     "n_bins": n, "weight": float(g["sw"].sum())})
    return pd.DataFrame(rows, columns=FIT_COLUMNS)


def year_offsets(diffs: pd.DataFrame, fits: pd.DataFrame, reference_s: float) -> pd.DataFrame:
    """Year-to-year residual offset per pixel (land and water together), H19 Sect. 3.1."""
    d = diffs.merge(fits[["pixel", "surface", "offset_ppb", "trend_ppb_per_year"]], on=["pixel", "surface"])
    t = (d["t_mid"] - reference_s) / SECONDS_PER_YEAR
    d["resid"] = d["diff"] - (d["offset_ppb"] + d["trend_ppb_per_year"] * t)
    d["year"] = utc_year(d["t_mid"].to_numpy())
    g = d.groupby(["pixel", "year"])
    out = (g.apply(lambda x: np.average(x["resid"], weights=x["sw"]), include_groups=False)
           .rename("offset_ppb").reset_index())
    return out


def _table_rows(table: pd.DataFrame, keys: list[str], values: list[np.ndarray]) -> np.ndarray:
    """The row of ``table`` whose ``keys`` equal each element's ``values``, -1 where none does
    (the keys of ``table`` unique): one lookup in a dense array over the key ranges instead of
    a pass over all soundings per table row."""
    lows, shape = [], []
    for k in keys:
        col = table[k].to_numpy(np.int64)
        lows.append(int(col.min()))
        shape.append(int(col.max()) - lows[-1] + 1)
    lookup = np.full(shape, -1, dtype=np.int64)
    lookup[tuple(table[k].to_numpy(np.int64) - lo for k, lo in zip(keys, lows, strict=True))] = np.arange(len(table))
    # The flat index into ``lookup`` (row-major), built in one int64 array; out-of-range keys
    # are marked and sent to index 0.
    code = np.zeros(np.shape(values[0]), dtype=np.int64)
    outside = np.zeros(code.shape, dtype=bool)
    stride = 1
    for v, lo, size in reversed(list(zip(values, lows, shape, strict=True))):
        d = np.subtract(v, lo, dtype=np.int64)
        outside |= (d < 0) | (d >= size)
        d *= stride
        code += d
        stride *= size
    code[outside] = 0
    rows = lookup.ravel()[code]
    rows[outside] = -1
    return rows


def evaluate(fits: pd.DataFrame, time_s, surface, pixel, reference_s, events_s=(), year_offset=None) -> np.ndarray:
    """The fitted pixel bias (ppb) at each sounding, offset + trend x (t - reference) of its
    pixel x surface x period fit (H19 Sect. 3.1 and 3.4), plus the year-to-year offset of its
    pixel and UTC year if given (Sect. 3.1); NaN where no fit applies (e.g. mixed surface)."""
    time_s = np.asarray(time_s, dtype=np.float64)
    period = period_of(time_s, events_s) if "period" in fits and fits["period"].max() > 0 else np.zeros(time_s.size, int)
    out = np.full(time_s.size, np.nan)
    if len(fits) == 0:
        return out
    t = (time_s - reference_s) / SECONDS_PER_YEAR
    fits = fits.assign(period=fits["period"] if "period" in fits else 0)
    row = _table_rows(fits, ["pixel", "surface", "period"], [np.asarray(pixel), np.asarray(surface), period])
    hit = row >= 0
    r = row[hit]
    out[hit] = fits["offset_ppb"].to_numpy(np.float64)[r] + fits["trend_ppb_per_year"].to_numpy(np.float64)[r] * t[hit]
    if year_offset is not None and len(year_offset):
        row = _table_rows(year_offset, ["pixel", "year"], [np.asarray(pixel), utc_year(time_s)])
        hit = row >= 0
        out[hit] += year_offset["offset_ppb"].to_numpy(np.float64)[row[hit]]
    return out


# --- Region fixed-effects estimator of the final pixel bias -------------------------------------
# The mean SRA anomaly per pixel (minus the all-pixel mean) is attenuated when the pixel
# composition of SRA regions varies: a 0.8 deg region is about one MOPITT scan (4 x 22 km
# along track) tall, so region edges cut scans and the region median follows the pixels that
# dominate it. Regressing region-demeaned XCO on region-demeaned pixel indicators removes each
# region's level exactly, whatever its composition; the normal equations add up over months.

N_PIX = N_PIXELS  # MOPITT's detector pixels (satcol.instruments.mopitt.format)
_FE_COLS = [f"ztz{i}{j}" for i in range(N_PIX) for j in range(N_PIX)] + [f"zty{i}" for i in range(N_PIX)] + [
    f"sw{i}" for i in range(N_PIX)]


def partial_fixed_effects(time_s, surface, pixel, value, err, region, use, origin_s, bin_days) -> pd.DataFrame:
    """Per-month weighted normal equations of the region fixed-effects model per (time bin, surface).

    Model, for sounding i in region r: x_i = c_r + b_p(i) + e_i, weights 1/err^2. Demeaning
    within each region (weighted) gives y_i = x_i - xbar_r and z_i = onehot(p_i) - zbar_r, and the
    sums Z^T W Z, Z^T W y are accumulated per (time bin, surface).
    """
    use = np.asarray(use, dtype=bool) & np.isin(surface, (0, 1)) & np.isfinite(value) & (np.asarray(region) >= 0)
    idx = np.flatnonzero(use)
    if idx.size == 0:
        return pd.DataFrame(columns=["tbin", "surface"] + _FE_COLS)
    w = 1.0 / np.asarray(err, dtype=np.float64)[idx] ** 2
    x = np.asarray(value, dtype=np.float64)[idx]
    p = np.asarray(pixel)[idx].astype(np.int64) - 1
    _, r = np.unique(np.asarray(region)[idx], return_inverse=True)
    r = r.ravel()
    nr = r.max() + 1
    W = np.bincount(r, w, nr)
    xbar = np.bincount(r, w * x, nr) / W
    onehot = np.zeros((idx.size, N_PIX))
    onehot[np.arange(idx.size), p] = 1.0
    zbar = np.stack([np.bincount(r, w * onehot[:, k], nr) for k in range(N_PIX)], axis=1) / W[:, None]
    y = x - xbar[r]
    z = onehot - zbar[r]
    tb = time_bin(np.asarray(time_s)[idx], origin_s, bin_days)
    surf = np.asarray(surface)[idx].astype(np.int64)
    (k_tb, k_surf), g = binstats.group_ids([tb, surf])
    ng = k_tb.size
    out = {"tbin": k_tb, "surface": k_surf}
    for i in range(N_PIX):
        for j in range(N_PIX):
            out[f"ztz{i}{j}"] = np.bincount(g, w * z[:, i] * z[:, j], ng)
        out[f"zty{i}"] = np.bincount(g, w * z[:, i] * y, ng)
        out[f"sw{i}"] = np.bincount(g, w * onehot[:, i], ng)
    return pd.DataFrame(out)


def fixed_effect_differences(reduced: pd.DataFrame, origin_s, bin_days) -> pd.DataFrame:
    """Pixel biases per (time bin, surface) from the reduced normal equations, relative to the
    all-pixel weighted mean (the H19 convention), in the same layout as :func:`pixel_differences`."""
    rows = []
    for rec in reduced.itertuples(index=False):
        ztz = np.array([[getattr(rec, f"ztz{i}{j}") for j in range(N_PIX)] for i in range(N_PIX)])
        zty = np.array([getattr(rec, f"zty{i}") for i in range(N_PIX)])
        sw = np.array([getattr(rec, f"sw{i}") for i in range(N_PIX)])
        present = sw > 0
        if present.sum() < 2:
            continue
        b = np.full(N_PIX, np.nan)
        sub = np.ix_(present, present)
        b[present] = np.linalg.pinv(ztz[sub]) @ zty[present]
        b[present] -= np.sum(sw[present] * b[present]) / sw[present].sum()
        for k in range(N_PIX):
            if present[k]:
                rows.append({"tbin": rec.tbin, "surface": rec.surface, "pixel": k + 1, "diff": b[k], "sw": sw[k]})
    df = pd.DataFrame(rows, columns=["tbin", "surface", "pixel", "diff", "sw"])
    df["t_mid"] = origin_s + (df["tbin"] + 0.5) * bin_days * 86400.0
    return df
