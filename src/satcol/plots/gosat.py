"""GOSAT validation figures in the manner of Someya et al. (2023, "S23", AMT 16, 1477, Sect. 4):
differences against TCCON by surface and gain, site biases on a map and as bars, monthly mean
differences over time and the regression's partial effects, each before and after the bias
correction.

Every function draws from the validation products (the ±2° match-ups with ``delta``,
``delta_corr`` and ``delta_loso``; the site table; the fitted coefficients), writes PNG and PDF
in the satcol style (:mod:`satcol.plots.figstyle`: Okabe-Ito colours, equal-area Eckert IV map) and
returns the values it plotted as a DataFrame, so that a test can hold them against the tables.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from satcol.instruments.gosat import mlr as gosat_mlr
from satcol.plots import figstyle
from satcol.plots import figures as plots  # noqa: E402
from satcol.plots.figstyle import OKABE_ITO, label  # noqa: E402
from satcol.validation import gosat as gosat_validation

figstyle.apply()

#: Match-up stages drawn "before" and "after": the product as retrieved, and corrected by the
#: regression refitted without the match-up's site (leave one site out, the out-of-sample view).
STAGES = {"before": "delta", "after": "delta_loso"}
STAGE_COLORS = {"before": OKABE_ITO["orange"], "after": OKABE_ITO["blue"]}
#: S23 Table 6 categories (surface, gain), and the species' units, as the validation tables have them.
CATEGORIES = gosat_validation.TABLE6
UNITS = gosat_validation.UNITS
NAMES = {"xco2": "XCO$_2$", "xch4": "XCH$_4$"}
TERM_LABELS = {"aot_1p6": ("AOT at 1.6 µm", "1"), "dps_hpa": ("retrieved − a priori surface pressure", "hPa"),
               "albedo_o2a": ("O$_2$ A-band albedo", "1")}


def _dlabel(species: str, prefix: str = "") -> str:
    """Axis label of a GOSAT − TCCON difference, after ``prefix`` ("site bias, "), with its unit."""
    return label(f"{prefix}GOSAT − TCCON {NAMES.get(species, species)}", UNITS.get(species, "1"))


def _once(m: pd.DataFrame) -> pd.DataFrame:
    """Each sounding once (its nearest site's match-up: :func:`satcol.validation.gosat.primary_rows`),
    as the Table 6 statistics and the regression count it."""
    return m[gosat_validation.primary_rows(m)]


def _value_col(m: pd.DataFrame, stage: str) -> str:
    col = STAGES[stage]
    return col if col in m else "delta"


def differences_by_category(m: pd.DataFrame, species: str, path) -> pd.DataFrame:
    """Box plots of ΔX = GOSAT − TCCON per S23 Table 6 category (land H, land M, ocean H),
    before and after the correction (leave one site out), with each box's mean marked.

    Parameters
    ----------
    m : DataFrame
        ±2° match-ups with ``surface_name``, ``gain``, ``delta`` and ``delta_loso`` (ppm or ppb).
    species : {"xco2", "xch4"}
    path : path of the PNG (the PDF is written beside it).

    Returns
    -------
    DataFrame
        ``surface``, ``gain``, ``stage`` (before/after), ``n``, ``bias`` (mean, unit of ΔX), ``sd``;
        each sounding once, as in Table 6.
    """
    m = _once(m)
    rows, data, pos, colors = [], [], [], []
    for i, (surf, gain) in enumerate(CATEGORIES):
        sel = (m["surface_name"] == surf) & (m["gain"] == gain)
        for k, stage in enumerate(STAGES):
            v = m.loc[sel, _value_col(m, stage)].to_numpy(np.float64)
            v = v[np.isfinite(v)]
            rows.append({"surface": surf, "gain": gain, "stage": stage, "n": int(v.size),
                         "bias": float(v.mean()) if v.size else np.nan,
                         "sd": float(v.std(ddof=1)) if v.size > 1 else np.nan})
            if v.size:
                data.append(v)
                pos.append(3 * i + k)
                colors.append(STAGE_COLORS[stage])
    out = pd.DataFrame(rows)
    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    if data:
        bp = ax.boxplot(data, positions=pos, widths=0.8, patch_artist=True, showfliers=False, showmeans=True,
                        meanprops={"marker": "D", "markerfacecolor": "k", "markeredgecolor": "k", "markersize": 3})
        for b, c in zip(bp["boxes"], colors, strict=True):
            b.set_facecolor(c)
    ax.axhline(0.0, color=figstyle.REFERENCE_COLOR, lw=0.8)
    ax.set_xticks([3 * i + 0.5 for i in range(len(CATEGORIES))],
                  [f"{s} {g}\nN = {int(out[(out['surface'] == s) & (out['gain'] == g)]['n'].iloc[0])}"
                   for s, g in CATEGORIES])
    ax.set_ylabel(_dlabel(species))
    handles = [plt.Rectangle((0, 0), 1, 1, color=STAGE_COLORS[s]) for s in STAGES]
    ax.legend(handles, ["before correction", "after (leave one site out)"], loc="best")
    ax.set_title(f"{NAMES.get(species, species)} against TCCON at ±2°, by surface and gain (S23 Table 6)")
    fig.tight_layout()
    plots._save(fig, path)
    return out


def _site_frame(site_table: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    """The per-site rows of the validation (``site``, ``n``, ``bias``, ``sd``, ``stage``) with
    the site's ``lat``/``lon``, the stages before and after (LOSO), sites used (> 10 match-ups)."""
    s = site_table[site_table["stage"].isin(["before", "after_loso"])]
    if "used" in s:
        s = s[s["used"].astype(bool)]
    s = s.assign(stage=s["stage"].map({"before": "before", "after_loso": "after"}))
    loc = sites.set_index("id")[["lat", "lon"]]
    s = s[s["site"].isin(loc.index)]
    return s.join(loc, on="site").sort_values(["stage", "lat"]).reset_index(drop=True)


def site_bias_map(site_table: pd.DataFrame, sites: pd.DataFrame, species: str, path) -> pd.DataFrame:
    """Site biases (sites with more than 10 match-ups) on an equal-area map, before and after
    the correction: a disc per site coloured by the bias on a diverging scale symmetric about 0.

    Parameters
    ----------
    site_table : DataFrame
        The validation's site table (``site``, ``n``, ``bias``, ``sd``, ``used``, ``stage``).
    sites : DataFrame
        TCCON site table (``id``, ``lat``, ``lon`` in degrees).

    Returns
    -------
    DataFrame
        The plotted rows: ``site``, ``stage`` (before/after), ``bias``, ``sd``, ``n``, ``lat``, ``lon``.
    """
    s = _site_frame(site_table, sites)
    lim = float(np.nanmax(np.abs(s["bias"]))) if len(s) else 1.0
    fig, axes = plt.subplots(2, 1, figsize=(7.0, 7.0))
    for ax, stage in zip(axes, ("before", "after"), strict=True):
        d = s[s["stage"] == stage]
        x, y = plots.eckert4(d["lon"].to_numpy(), d["lat"].to_numpy())
        sc = ax.scatter(x, y, c=d["bias"], cmap=figstyle.DIVERGING_CMAP, vmin=-lim, vmax=lim, s=40,
                        edgecolors="k", linewidths=0.5, zorder=3)
        plots._coastlines(ax)
        ax.set_title(f"{stage} correction" + (" (leave one site out)" if stage == "after" else ""))
        plt.colorbar(sc, ax=ax, orientation="horizontal", fraction=0.05, pad=0.02,
                     label=_dlabel(species, "site bias, "))
    fig.tight_layout()
    plots._save(fig, path)
    return s


def site_bias_bars(site_table: pd.DataFrame, sites: pd.DataFrame, species: str, path) -> pd.DataFrame:
    """Site biases as bars ordered by latitude, before and after the correction side by side,
    with ±1 standard deviation of the site's differences as error bars (S23 Sect. 4.3).

    Returns
    -------
    DataFrame
        As :func:`site_bias_map`.
    """
    s = _site_frame(site_table, sites)
    order = list(dict.fromkeys(s.sort_values("lat")["site"]))
    fig, ax = plt.subplots(figsize=(max(5.0, 0.55 * len(order) + 2.0), 4.0))
    for k, stage in enumerate(("before", "after")):
        d = s[s["stage"] == stage].set_index("site").reindex(order)
        ax.bar(np.arange(len(order)) + (k - 0.5) * 0.4, d["bias"], width=0.4, yerr=d["sd"], capsize=2,
               color=STAGE_COLORS[stage], label="before correction" if k == 0 else "after (leave one site out)")
    lat = s.drop_duplicates("site").set_index("site")["lat"]
    ax.set_xticks(np.arange(len(order)), [f"{x} ({lat[x]:.0f})" for x in order], rotation=60, ha="right")
    ax.axhline(0.0, color=figstyle.REFERENCE_COLOR, lw=0.8)
    ax.set_xlabel("TCCON site (latitude, deg N)")
    ax.set_ylabel(_dlabel(species, "site bias ± SD, "))
    ax.legend(loc="best")
    fig.tight_layout()
    plots._save(fig, path)
    return s


def monthly_differences(m: pd.DataFrame, species: str, path) -> pd.DataFrame:
    """Monthly mean ΔX over time per surface (land, ocean), before and after the correction
    (leave one site out), with the standard error of each monthly mean.

    Returns
    -------
    DataFrame
        ``surface``, ``stage``, ``month`` (first day, datetime64), ``n``, ``mean``, ``se`` (unit of ΔX);
        each sounding once.
    """
    m = _once(m)
    month = pd.to_datetime(m["time"].to_numpy(np.float64), unit="s").to_period("M").to_timestamp()
    frames = []
    for stage in STAGES:
        f = pd.DataFrame({"surface": m["surface_name"].to_numpy(), "month": month,
                          "v": m[_value_col(m, stage)].to_numpy(np.float64)}).dropna()
        g = f.groupby(["surface", "month"])["v"].agg(["count", "mean", "std"]).reset_index()
        frames.append(pd.DataFrame({"surface": g["surface"], "stage": stage, "month": g["month"], "n": g["count"],
                                    "mean": g["mean"], "se": g["std"] / np.sqrt(g["count"])}))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["surface", "stage", "month", "n", "mean", "se"])
    surfaces = [s for s in ("land", "ocean") if (out["surface"] == s).any()] or ["land"]
    fig, axes = plt.subplots(len(surfaces), 1, figsize=(8.0, 2.6 * len(surfaces)), sharex=True, squeeze=False)
    for ax, surf in zip(axes[:, 0], surfaces, strict=True):
        for stage in STAGES:
            d = out[(out["surface"] == surf) & (out["stage"] == stage)]
            ax.errorbar(d["month"], d["mean"], yerr=d["se"], fmt="o-", ms=3, lw=0.8, capsize=0,
                        color=STAGE_COLORS[stage],
                        label="before correction" if stage == "before" else "after (leave one site out)")
        ax.axhline(0.0, color=figstyle.REFERENCE_COLOR, lw=0.8)
        ax.set_ylabel(_dlabel(species))
        ax.set_title(f"{surf}: monthly mean differences ± SE")
    axes[0, 0].legend(loc="best")
    axes[-1, 0].set_xlabel("month")
    fig.tight_layout()
    plots._save(fig, path)
    return out


def _slope(x, y, ok) -> float:
    """Least-squares slope of y on x over ``ok`` (NaN for fewer than 3 points or constant x)."""
    return float(np.polyfit(x[ok], y[ok], 1)[0]) if ok.sum() > 2 and np.ptp(x[ok]) > 0 else np.nan


def partial_effects(m: pd.DataFrame, coefficients: pd.DataFrame, species: str, path) -> pd.DataFrame:
    """The regression's partial effects (S23 Sect. 4.5): for each surface and term q_k of the
    fit, the partial residual ΔX − (c_0 + Σ_{j≠k} c_j q_j) against q_k with the fitted line
    c_k q_k (before), and the corrected ΔX (in sample) against q_k (after: no slope left).
    Surfaces that were not fitted are left out.

    Parameters
    ----------
    m : DataFrame
        ±2° match-ups with ``delta``, ``delta_corr`` and the regressors.
    coefficients : DataFrame
        The fit table (``surface``, ``term``, ``coef``, ``se``; intercept first per surface).

    Returns
    -------
    DataFrame
        One row per panel: ``surface``, ``term``, ``coef``, ``se`` (the fitted slope), ``n``,
        ``slope_before`` and ``slope_after`` (least-squares slopes of the plotted points); each
        sounding once, as the regression counts it.
    """
    m = _once(m)
    panels = []
    for surf, code in gosat_mlr.SURFACES.items():
        c = coefficients[coefficients["surface"] == surf].set_index("term")
        for term in [t for t in c.index if t != "intercept"]:
            panels.append((surf, code, c, term))
    rows = []
    ncol = max(1, len(panels))
    fig, axes = plt.subplots(1, ncol, figsize=(3.0 * ncol, 3.2), squeeze=False)
    for ax, (surf, code, c, term) in zip(axes[0][:len(panels)], panels, strict=True):
        sel = m["surface"].to_numpy() == code
        d = m[sel]
        q = d[term].to_numpy(np.float64)
        other = np.full(q.size, float(c.loc["intercept", "coef"]))
        for t in c.index:
            if t not in ("intercept", term):
                other = other + float(c.loc[t, "coef"]) * d[t].to_numpy(np.float64)
        before = d["delta"].to_numpy(np.float64) - other
        after = d["delta_corr"].to_numpy(np.float64) if "delta_corr" in d else before - float(c.loc[term, "coef"]) * q
        ok = np.isfinite(q) & np.isfinite(before) & np.isfinite(after)
        rows.append({"surface": surf, "term": term, "coef": float(c.loc[term, "coef"]),
                     "se": float(c.loc[term, "se"]), "n": int(ok.sum()), "slope_before": _slope(q, before, ok),
                     "slope_after": _slope(q, after, ok)})
        # every match-up is a point: rasterized in the PDF (a vector marker each is slow to write
        # and to open), the legend at a fixed corner (loc="best" tests every point)
        ax.scatter(q[ok], before[ok], s=4, alpha=0.5, color=STAGE_COLORS["before"], label="partial residual, before",
                   rasterized=True)
        ax.scatter(q[ok], after[ok], s=4, alpha=0.5, color=STAGE_COLORS["after"], label="after (in sample)",
                   rasterized=True)
        if ok.any():
            xx = np.array([np.nanmin(q[ok]), np.nanmax(q[ok])])
            ax.plot(xx, float(c.loc[term, "coef"]) * xx, color=figstyle.FIT_COLOR, lw=1.2,
                    label=f"fit: {float(c.loc[term, 'coef']):.3g} ± {float(c.loc[term, 'se']):.2g} per unit")
        name, unit = TERM_LABELS.get(term, (term, "1"))
        ax.set_xlabel(label(name, unit))
        ax.set_title(surf)
        ax.axhline(0.0, color=figstyle.REFERENCE_COLOR, lw=0.8)
        ax.legend(loc="upper right", fontsize=6)
    axes[0, 0].set_ylabel(_dlabel(species))
    if not panels:
        axes[0, 0].text(0.5, 0.5, "no surface fitted", ha="center", va="center", transform=axes[0, 0].transAxes)
    fig.tight_layout()
    plots._save(fig, path)
    return pd.DataFrame(rows, columns=["surface", "term", "coef", "se", "n", "slope_before", "slope_after"])
