"""Global TCCON validation products (H19 Sect. 4.4-4.5, Figs. 5-7).

Input: the per-site day x surface averages of :func:`satcol.validation.colocation.colocate_site`, with a
``site`` and ``site_lat`` column. For each method and TCCON variant:

- York et al. (2004) fit of MOPITT (y) against TCCON (x) with the daily standard errors as
  x and y errors (H19 Fig. 5), OLS R^2, percent bias at 50/75/100/150 ppb;
- the global scaling factor: the fitted line relative to x at the York-weighted centroid of x,
  s = (a + b xbar) / xbar, i.e. 1 + bias(xbar)/100 where the fit is best determined [V: H19 quote
  the percent bias; the factor they divide by is not defined further], overall and for the land
  and the water points alone, with a quoted uncertainty: the larger of the York error (inflated
  by sqrt(MSWD)) and the delete-one-site jackknife (the days of a site share errors);
- drift: Theil-Sen slope of the percent difference 100 (y - x) / x averaged in 1-month x
  5-degree latitude bins (H19 Sect. 4.3), in % per year with the 95 % CI half-width;
- leave-one-site-out (LOSO): the fit without a site, evaluated on that site.

The two TCCON variants of :mod:`satcol.validation.colocation` are ``standard`` (the XCO the TCCON files
give) and ``unscaled`` (the XCO without its in situ scaling, which only GGG2014 files allow:
xco x AICF). What they are tied to depends on the files (docs/formats-tccon.md): GGG2014
``xco_ppb`` is WMO-scaled (H19's scaled/unscaled contrast); GGG2020 ``xco`` says its scale in
``wmo_or_analogous_scale`` (``Not used`` for CO: not WMO-scaled) and has no unscaled variant.
:func:`variant_labels` names each variant by its scale from the TCCON stores' attributes, and
:func:`validate` puts the names in its output and reports an unavailable variant as such.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from satcol.core.surface import WATER_LAND
from satcol.validation import stats
from satcol.validation.colocation import METHODS, VARIANTS

BIAS_AT_PPB = (50.0, 75.0, 100.0, 150.0)
SURF = WATER_LAND


def _cols(method, variant):
    p = f"{method}_{variant}"
    return f"{p}_x", f"{p}_y", f"{p}_x_sem", f"{p}_y_sem"


def _clean(days, method, variant):
    x, y, sx, sy = _cols(method, variant)
    d = days[[x, y, sx, sy]].to_numpy(dtype=np.float64)
    ok = np.all(np.isfinite(d), axis=1) & (d[:, 2] > 0) & (d[:, 3] > 0)
    return days[ok], d[ok]


def _york_scale(d):
    """York fit of rows (x, y, sx, sy) of ``d``; returns (fit, W, xbar, scale, scale_err)."""
    x, y, sx, sy = d.T
    f = stats.york(x, y, sx, sy)
    W = 1.0 / (sy**2 + f.slope**2 * sx**2)  # York weights at r = 0
    xbar = float(np.sum(W * x) / np.sum(W))
    return f, W, xbar, float((f.intercept + f.slope * xbar) / xbar), scale_factor_error(W, xbar, f.reduced_chi2)


def site_jackknife_error(d, site) -> tuple[float, int]:
    """Delete-one-site jackknife standard error of the scale factor (Efron & Tibshirani 1993,
    Eq. 11.5): s_(i) is the York scale factor without site i, and
    se = sqrt((S - 1) / S * sum_i (s_(i) - mean s_(.))^2) over the S sites.

    Days of one site share errors that do not average out within the site (representativeness
    of the coincidence box, the TCCON prior's shape there, the site's own calibration), so the
    York standard error, which treats every day x surface point as independent, understates the
    spread of the scale factor. Deleting whole sites keeps that correlation inside each deleted
    unit. Returns (se, S); NaN when fewer than 3 sites (or a subset fit fails)."""
    site = np.asarray(site)
    sites = np.unique(site)
    if sites.size < 3:
        return float("nan"), int(sites.size)
    s_i = []
    for k in sites:
        keep = site != k
        if keep.sum() < 3:
            return float("nan"), int(sites.size)
        s_i.append(_york_scale(d[keep])[3])
    s_i = np.asarray(s_i)
    n = s_i.size
    return float(np.sqrt((n - 1) / n * np.sum((s_i - s_i.mean()) ** 2))), int(n)


def _scale_block(sub, d) -> dict:
    """Scale factor of the points ``d`` (rows of ``sub``) with its uncertainties."""
    f, W, xbar, scale, err_york = _york_scale(d)
    out = {"n": f.n, "scale_factor": scale, "scale_factor_err_york": err_york, "x_centroid_ppb": xbar}
    if "site" in sub.columns:
        jk, n_sites = site_jackknife_error(d, sub["site"].to_numpy())
        out.update(n_sites=n_sites, scale_factor_err_site_jackknife=jk)
    else:
        jk = float("nan")
    # The quoted uncertainty: the larger of the two; the York error alone where there are too
    # few sites for a jackknife.
    out["scale_factor_err"] = float(np.nanmax([err_york, jk]))
    return out


def york_fit(days: pd.DataFrame, method: str, variant: str) -> dict:
    """York fit of daily MOPITT (y) against TCCON (x) and the scale factor at the centroid.

    ``scale_factor_err`` is the quoted standard uncertainty of the scale factor: the larger of
    the York error inflated by sqrt(MSWD) (``scale_factor_err_york``) and the delete-one-site
    jackknife (``scale_factor_err_site_jackknife``, :func:`site_jackknife_error`).
    ``per_surface`` holds the same for the land and the water points fitted alone (at least 3
    points each). H19 Sect. 4.4 and Fig. 5; docs/methods.md sect. 1.

    Parameters
    ----------
    days : pandas.DataFrame
        The per day x surface averages of all sites (``results/validation/days.csv``;
        :func:`satcol.validation.colocation.colocate_site`): ``site``, ``day``, ``surface``,
        ``site_lat`` and per method and variant the satellite (y) and TCCON (x) columns and
        their errors, ppb.
    method : str
        ``method_0``, ``method_II`` or ``method_III``.
    variant : str
        ``standard`` (the TCCON XCO as published) or ``unscaled``.

    Returns
    -------
    dict
        ``n``; with at least 3 points also ``slope`` (unitless), ``intercept`` (ppb), their
        errors, ``reduced_chi2``, ``r2``, ``bias_percent`` (percent at 50, 75, 100, 150 ppb),
        the scale factor (unitless) with its errors, ``n_land``, ``n_water`` and
        ``per_surface``.
    """
    sub, d = _clean(days, method, variant)
    if len(sub) < 3:
        return {"n": int(len(sub))}
    f, W, xbar, _, _ = _york_scale(d)
    r = np.corrcoef(d[:, 0], d[:, 1])[0, 1]
    out = {
        "n": f.n, "slope": f.slope, "intercept": f.intercept, "slope_err": f.slope_err,
        "intercept_err": f.intercept_err, "reduced_chi2": f.reduced_chi2, "r2": float(r * r),
        "bias_percent": {f"{int(v)}": float(f.percent_bias(v)) for v in BIAS_AT_PPB},
        **_scale_block(sub, d),
        "n_land": int(np.sum(sub["surface"] == 1)), "n_water": int(np.sum(sub["surface"] == 0)),
    }
    per = {}
    for code, name in SURF.items():
        m = (sub["surface"] == code).to_numpy()
        per[name] = _scale_block(sub[m], d[m]) if m.sum() >= 3 else {"n": int(m.sum())}
    out["per_surface"] = per
    return out


def scale_factor_error(W, xbar, reduced_chi2) -> float:
    """Standard error of s = (a + b xbar) / xbar. At the York-weighted centroid xbar the fitted
    line equals the weighted mean of y, whose variance is 1 / sum W (York et al. 2004: there a
    and b are uncorrelated); inflated by sqrt(MSWD) when the scatter exceeds the errors
    (Cantrell 2008)."""
    return float(np.sqrt(max(1.0, reduced_chi2)) / (xbar * np.sqrt(np.sum(W))))


def drift(days: pd.DataFrame, method: str, variant: str, lat_bin_deg=5.0) -> dict:
    """Theil-Sen trend (% / yr) of the monthly x 5-degree mean percent difference (H19 Sect. 4.3;
    docs/methods.md sect. 3).

    Parameters
    ----------
    days : pandas.DataFrame
        The per day x surface averages of all sites (``results/validation/days.csv``;
        :func:`satcol.validation.colocation.colocate_site`): ``site``, ``day``, ``surface``,
        ``site_lat`` and per method and variant the satellite (y) and TCCON (x) columns and
        their errors, ppb.
    method : str
        ``method_0``, ``method_II`` or ``method_III``.
    variant : str
        ``standard`` (the TCCON XCO as published) or ``unscaled``.
    lat_bin_deg : float
        Width of the latitude bins, degrees.

    Returns
    -------
    dict
        ``n_bins`` (month x latitude bins); with at least two months ``drift_percent_per_year``
        (% / yr), the 95 % interval ``ci_low``, ``ci_high`` and its ``ci_half_width``.
    """
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
    """The satellite-TCCON difference per site and surface.

    Parameters
    ----------
    days : pandas.DataFrame
        The per day x surface averages of all sites (``results/validation/days.csv``;
        :func:`satcol.validation.colocation.colocate_site`): ``site``, ``day``, ``surface``,
        ``site_lat`` and per method and variant the satellite (y) and TCCON (x) columns and
        their errors, ppb.
    method : str
        ``method_0``, ``method_II`` or ``method_III``.
    variant : str
        ``standard`` (the TCCON XCO as published) or ``unscaled``.

    Returns
    -------
    pandas.DataFrame
        ``site``, ``surface`` (water/land), ``n_days``, ``mean_percent`` and ``std_percent``
        (100 (y - x) / x, percent) and ``mean_diff_ppb`` (y - x, ppb).
    """
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
    on the other sites.

    Parameters
    ----------
    days : pandas.DataFrame
        The per day x surface averages of all sites (``results/validation/days.csv``;
        :func:`satcol.validation.colocation.colocate_site`): ``site``, ``day``, ``surface``,
        ``site_lat`` and per method and variant the satellite (y) and TCCON (x) columns and
        their errors, ppb.
    method : str
        ``method_0``, ``method_II`` or ``method_III``.
    variant : str
        ``standard`` (the TCCON XCO as published) or ``unscaled``.

    Returns
    -------
    table : pandas.DataFrame
        Per site: ``n_days``, ``scale_factor_without_site`` (unitless) and the held-out mean and
        RMS residual, percent.
    overall : dict
        ``n_sites``, the day-weighted mean and RMS residual (percent) and the range of the
        scale factors; empty when no site could be held out.
    """
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


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in str(text).strip().lower()).strip("_")


def variant_labels(store_attrs: list[dict]) -> dict:
    """Name the variants by what the TCCON files tie them to.

    Parameters
    ----------
    store_attrs : list of dict
        Attributes of the per-site TCCON stores (:func:`satcol.pipeline.ingest.ingest_tccon_site`:
        ``tccon_format``, ``xco_scale``); stores without measurements may be left out.

    Returns
    -------
    dict
        For ``standard`` and ``unscaled``: ``name`` (says the scale), ``scale``, ``available``
        and ``description``.
    """
    formats = sorted({a.get("tccon_format", "ggg2014") for a in store_attrs if a})
    scales = sorted({str(a.get("xco_scale", "")) for a in store_attrs if a and a.get("tccon_format") == "ggg2020"})
    if not formats:
        return {v: {"name": v, "scale": "unknown (no TCCON measurements)", "available": False,
                    "description": "no TCCON store with measurements"} for v in VARIANTS}
    if formats == ["ggg2014"]:
        return {"standard": {"name": "ggg2014_xco_wmo_scaled", "scale": "WMO (GGG2014 public xco_ppb, AICF applied)",
                             "available": True, "description": "the public GGG2014 XCO"},
                "unscaled": {"name": "ggg2014_xco_unscaled", "scale": "none (xco_ppb x AICF)", "available": True,
                             "description": "the GGG2014 XCO without the WMO (airmass-independent) scaling"}}
    scale = "; ".join(scales)
    std_name = f"ggg2020_xco_scale_{_slug(scale)}" if formats == ["ggg2020"] else \
        "mixed_" + "_".join(formats) + f"_xco_ggg2020_scale_{_slug(scale)}"
    return {"standard": {"name": std_name, "scale": scale if formats == ["ggg2020"] else
                         f"GGG2014 sites WMO-scaled; GGG2020 sites: {scale}", "available": True,
                         "description": "the XCO as the files give it (GGG2020: wmo_or_analogous_scale; "
                                        "'Not used' = not scaled to a WMO in situ scale)"},
            "unscaled": {"name": "ggg2020_xco_unscaled_not_available", "scale": None, "available": formats == ["ggg2014"],
                         "description": "GGG2020 files give no XCO without their in situ scaling (no AICF in "
                                        "public files; for CO there is no scaling to undo): not computed"}}


def store_attrs(paths) -> list[dict]:
    """Attributes of the per-site TCCON stores at ``paths`` (for :func:`variant_labels`)."""
    import xarray as xr

    out = []
    for p in paths:
        with xr.open_dataset(p, engine="h5netcdf") as ds:
            if ds.sizes.get("obs", 0):
                out.append({"tccon_format": ds.attrs.get("tccon_format", "ggg2014"),
                            "xco_scale": ds.attrs.get("xco_scale", ds["xco"].attrs.get("wmo_or_analogous_scale", ""))})
    return out


def _infer_labels(days: pd.DataFrame) -> dict:
    """Without the stores' attributes: a variant whose TCCON side is NaN everywhere is reported as
    not available in the files (GGG2020), never as a fit."""
    labels = {}
    for v in VARIANTS:
        col = f"{METHODS[0]}_{v}_x"
        avail = bool(col in days.columns and np.isfinite(days[col].to_numpy(dtype=np.float64)).any())
        labels[v] = {"name": v if avail else f"{v}_not_available", "available": avail,
                     "scale": "not given to validate() (validation.variant_labels of the TCCON stores)",
                     "description": "" if avail else "the TCCON files give no values for this variant (GGG2020 has "
                                                      "no unscaled XCO)"}
    return labels


def validate(days: pd.DataFrame, variants: dict | None = None) -> dict:
    """The ``tccon`` section of the summary: fits and drift per method and variant, and LOSO.

    ``variants`` (:func:`variant_labels`) names each variant by its scale; without it, a variant
    with no finite TCCON values is still reported as not available. An unavailable variant gets
    ``{"n": 0, "available": false, "note": ...}`` instead of a fit, never another variant's numbers.

    Parameters
    ----------
    days : pandas.DataFrame
        The per day x surface averages of all sites (as :func:`york_fit`), columns in ppb.
    variants : dict, optional
        :func:`variant_labels` of the run's TCCON stores.

    Returns
    -------
    dict
        Per method and variant: the York fit (:func:`york_fit`) with the drift (:func:`drift`,
        % / yr); and the leave-one-site-out summary (:func:`leave_one_site_out`, percent).
    """
    out = {}
    labels = variants if variants is not None else _infer_labels(days)
    out["variants"] = labels
    if days.empty or not set(_cols(METHODS[0], VARIANTS[0])) <= set(days.columns):  # no colocated day at all
        for m in METHODS:
            out[m] = {v: {"n": 0, "drift": {"n_bins": 0}, "variant_name": labels[v]["name"]} for v in VARIANTS}
        out["loso"] = {"method": "method_II", "variant": "standard", "overall": {}, "per_site": []}
        return out
    for m in METHODS:
        for v in VARIANTS:
            if not labels[v]["available"]:
                out.setdefault(m, {})[v] = {"n": 0, "available": False, "variant_name": labels[v]["name"],
                                            "note": labels[v]["description"], "drift": {"n_bins": 0}}
                continue
            d = drift(days, m, v)
            out.setdefault(m, {})[v] = {**york_fit(days, m, v), "drift": d, "variant_name": labels[v]["name"],
                                        "scale": labels[v]["scale"],
                                        "drift_percent_per_year": d.get("drift_percent_per_year"),
                                        "drift_interval_95": [d.get("ci_low"), d.get("ci_high")]}
    loso_table, loso_overall = leave_one_site_out(days)
    out["loso"] = {"method": "method_II", "variant": "standard", "overall": loso_overall,
                   "per_site": loso_table.to_dict("records")}
    return out


def seed_study_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Accuracy of the recovered global scale over runs with different seeds and injected scales.

    Parameters
    ----------
    runs : pandas.DataFrame
        One row per run and surface (``all``, ``land``, ``water``): ``injected`` and
        ``recovered`` scale (MOPITT / TCCON, unitless), the quoted standard uncertainty
        ``uncertainty`` (:func:`york_fit` ``scale_factor_err``), optionally its parts
        ``uncertainty_york`` and ``uncertainty_site_jackknife``, and ``n`` (day x surface points).

    Returns
    -------
    pandas.DataFrame
        Per surface: number of runs, mean points per run, mean and RMS of the relative error
        100 (recovered - injected) / injected (%), mean and RMS of the error in units of the
        quoted uncertainty (an RMS near 1: the uncertainty covers the spread), its standard
        deviation over the runs (near 1: it covers the spread about a common bias), the RMS with the
        York error alone and with the site jackknife alone, and the mean quoted uncertainty (%).
    """
    d = runs.copy()
    d["error_percent"] = 100.0 * (d["recovered"] - d["injected"]) / d["injected"]
    err = d["recovered"] - d["injected"]
    d["z"] = err / d["uncertainty"]
    d["z_york"] = err / d.get("uncertainty_york", np.nan)
    d["z_jackknife"] = err / d.get("uncertainty_site_jackknife", np.nan)
    d["uncertainty_percent"] = 100.0 * d["uncertainty"] / d["injected"]

    def rms(v):
        v = np.asarray(v, dtype=np.float64)
        v = v[np.isfinite(v)]
        return float(np.sqrt(np.mean(v**2))) if v.size else float("nan")

    rows = []
    for surface, g in d.groupby("surface", sort=False):
        rows.append({"surface": surface, "runs": len(g), "mean_points": float(g["n"].mean()),
                     "mean_error_percent": float(g["error_percent"].mean()),
                     "rms_error_percent": rms(g["error_percent"]),
                     "mean_uncertainty_percent": float(g["uncertainty_percent"].mean()),
                     "mean_z": float(g["z"].mean()), "rms_z": rms(g["z"]),
                     "sd_z": float(g["z"].std(ddof=1)) if len(g) > 1 else float("nan"),
                     "rms_z_york_only": rms(g["z_york"]), "rms_z_jackknife_only": rms(g["z_jackknife"])})
    return pd.DataFrame(rows)
