"""Global TCCON validation products (H19 Sect. 4.4-4.5, Figs. 5-7).

Input: the per-site day x surface averages of :func:`satcol.colocation.colocate_site`, with a
``site`` and ``site_lat`` column. For each method and TCCON variant:

- York et al. (2004) fit of MOPITT (y) against TCCON (x) with the daily standard errors as
  x and y errors (H19 Fig. 5), OLS R^2, percent bias at 50/75/100/150 ppb;
- the global scaling factor: the fitted line relative to x at the York-weighted centroid of x,
  s = (a + b xbar) / xbar, i.e. 1 + bias(xbar)/100 where the fit is best determined [V: H19 quote
  the percent bias; the factor they divide by is not defined further];
- drift: Theil-Sen slope of the percent difference 100 (y - x) / x averaged in 1-month x
  5-degree latitude bins (H19 Sect. 4.3), in % per year with the 95 % CI half-width;
- leave-one-site-out (LOSO): the fit without a site, evaluated on that site.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import stats
from .colocation import METHODS, VARIANTS

BIAS_AT_PPB = (50.0, 75.0, 100.0, 150.0)
SURF = {0: "water", 1: "land"}


def _cols(method, variant):
    p = f"{method}_{variant}"
    return f"{p}_x", f"{p}_y", f"{p}_x_sem", f"{p}_y_sem"


def _clean(days, method, variant):
    x, y, sx, sy = _cols(method, variant)
    d = days[[x, y, sx, sy]].to_numpy(dtype=np.float64)
    ok = np.all(np.isfinite(d), axis=1) & (d[:, 2] > 0) & (d[:, 3] > 0)
    return days[ok], d[ok]


def york_fit(days: pd.DataFrame, method: str, variant: str) -> dict:
    sub, d = _clean(days, method, variant)
    if len(sub) < 3:
        return {"n": int(len(sub))}
    x, y, sx, sy = d.T
    f = stats.york(x, y, sx, sy)
    W = 1.0 / (sy**2 + f.slope**2 * sx**2)  # York weights at r = 0
    xbar = float(np.sum(W * x) / np.sum(W))
    r = np.corrcoef(x, y)[0, 1]
    return {
        "n": f.n, "slope": f.slope, "intercept": f.intercept, "slope_err": f.slope_err,
        "intercept_err": f.intercept_err, "reduced_chi2": f.reduced_chi2, "r2": float(r * r),
        "bias_percent": {f"{int(v)}": float(f.percent_bias(v)) for v in BIAS_AT_PPB},
        "x_centroid_ppb": xbar, "scale_factor": float((f.intercept + f.slope * xbar) / xbar),
        "scale_factor_err": scale_factor_error(W, xbar, f.reduced_chi2),
        "n_land": int(np.sum(sub["surface"] == 1)), "n_water": int(np.sum(sub["surface"] == 0)),
    }


def scale_factor_error(W, xbar, reduced_chi2) -> float:
    """Standard error of s = (a + b xbar) / xbar. At the York-weighted centroid xbar the fitted
    line equals the weighted mean of y, whose variance is 1 / sum W (York et al. 2004: there a
    and b are uncorrelated); inflated by sqrt(MSWD) when the scatter exceeds the errors
    (Cantrell 2008)."""
    return float(np.sqrt(max(1.0, reduced_chi2)) / (xbar * np.sqrt(np.sum(W))))


def drift(days: pd.DataFrame, method: str, variant: str, lat_bin_deg=5.0) -> dict:
    """Theil-Sen trend (% / yr) of the monthly x 5-degree mean percent difference."""
    sub, d = _clean(days, method, variant)
    if len(sub) < 3:
        return {"n_bins": 0}
    pct = 100.0 * (d[:, 1] - d[:, 0]) / d[:, 0]
    t = pd.to_datetime(sub["day"].to_numpy() * 86400, unit="s")
    month = t.year * 12 + (t.month - 1)
    lat_bin = np.floor(sub["site_lat"].to_numpy() / lat_bin_deg).astype(int)
    b = pd.DataFrame({"month": month, "lat_bin": lat_bin, "pct": pct}).groupby(["month", "lat_bin"], as_index=False)["pct"].mean()
    years = (b["month"].to_numpy() + 0.5) / 12.0
    if np.unique(years).size < 2:  # a trend needs at least two months
        return {"n_bins": int(len(b)), "note": "drift needs colocated days in at least two months"}
    ts = stats.theil_sen(b["pct"].to_numpy(), years, 0.95)
    return {"n_bins": int(len(b)), "drift_percent_per_year": ts.slope, "ci_low": ts.low, "ci_high": ts.high,
            "ci_half_width": ts.half_width, "note": "95 % confidence interval (Sen 1968); +- is its half-width"}


def per_site(days: pd.DataFrame, method="method_II", variant="standard") -> pd.DataFrame:
    if days.empty:
        return pd.DataFrame(columns=["site", "surface", "n_days", "mean_percent", "std_percent", "mean_diff_ppb"])
    sub, d = _clean(days, method, variant)
    pct = 100.0 * (d[:, 1] - d[:, 0]) / d[:, 0]
    df = pd.DataFrame({"site": sub["site"].to_numpy(), "surface": sub["surface"].map(SURF).to_numpy(), "pct": pct,
                       "diff_ppb": d[:, 1] - d[:, 0]})
    g = df.groupby(["site", "surface"])
    return g.agg(n_days=("pct", "size"), mean_percent=("pct", "mean"), std_percent=("pct", "std"),
                 mean_diff_ppb=("diff_ppb", "mean")).reset_index()


def leave_one_site_out(days: pd.DataFrame, method="method_II", variant="standard") -> tuple[pd.DataFrame, dict]:
    """For each site: the York fit without it, and on its own days the percent residual of MOPITT
    against that line, 100 (y - (a + b x)) / x, i.e. the bias left after a correction fitted
    on the other sites."""
    sub, d = _clean(days, method, variant)
    rows = []
    for site in sorted(sub["site"].unique()):
        held = (sub["site"] == site).to_numpy()
        if held.sum() == 0 or (~held).sum() < 3:
            continue
        x, y, sx, sy = d[~held].T
        f = stats.york(x, y, sx, sy)
        W = 1.0 / (sy**2 + f.slope**2 * sx**2)
        xbar = np.sum(W * x) / np.sum(W)
        xh, yh = d[held, 0], d[held, 1]
        resid = 100.0 * (yh - (f.intercept + f.slope * xh)) / xh
        rows.append({"site": site, "n_days": int(held.sum()), "scale_factor_without_site": float((f.intercept + f.slope * xbar) / xbar),
                     "heldout_mean_residual_percent": float(np.mean(resid)),
                     "heldout_rms_residual_percent": float(np.sqrt(np.mean(resid**2)))})
    t = pd.DataFrame(rows)
    if t.empty:
        return t, {}
    overall = {"n_sites": int(len(t)),
               "mean_residual_percent": float(np.average(t["heldout_mean_residual_percent"], weights=t["n_days"])),
               "rms_residual_percent": float(np.sqrt(np.average(t["heldout_rms_residual_percent"] ** 2, weights=t["n_days"]))),
               "scale_factor_range": [float(t["scale_factor_without_site"].min()), float(t["scale_factor_without_site"].max())]}
    return t, overall


def validate(days: pd.DataFrame) -> dict:
    """The ``tccon`` section of the summary: fits and drift per method and variant, and LOSO."""
    out = {}
    if days.empty or not set(_cols(METHODS[0], VARIANTS[0])) <= set(days.columns):  # no colocated day at all
        for m in METHODS:
            out[m] = {v: {"n": 0, "drift": {"n_bins": 0}} for v in VARIANTS}
        out["loso"] = {"method": "method_II", "variant": "standard", "overall": {}, "per_site": []}
        return out
    for m in METHODS:
        for v in VARIANTS:
            d = drift(days, m, v)
            out.setdefault(m, {})[v] = {**york_fit(days, m, v), "drift": d,
                                        "drift_percent_per_year": d.get("drift_percent_per_year"),
                                        "drift_interval_95": [d.get("ci_low"), d.get("ci_high")]}
    loso_table, loso_overall = leave_one_site_out(days)
    out["loso"] = {"method": "method_II", "variant": "standard", "overall": loso_overall,
                   "per_site": loso_table.to_dict("records")}
    return out
