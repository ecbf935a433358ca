"""MOPITT's own figures (H19 Figs. 1, 2, 3 and 8): the pixel 2 - pixel 4 difference and the
snow/ice share on a map, the preliminary pixel bias, the feature-bias diagnostics per pixel and
the MOPITT column averaging kernels per pixel and season. The shared figures (maps, validation,
error correlation) and their style are in :mod:`satcol.plots.figures`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from satcol.plots import figstyle
from satcol.plots.figstyle import PIXEL_COLORS, SURFACE_COLORS, label
from satcol.plots.figures import SURF, _save, empty_figure, map_grid, plt
from satcol.validation import akcompare


def fig1(table: pd.DataFrame, qc: np.ndarray, month: str, path):
    """H19 Fig. 1: pixel 2 minus pixel 4 (2 x 2 deg, daytime, not mixed) and the snow/ice map."""
    day = (table["sza"] < 80) & (table["surface"] < 2)
    t = table[day]
    if not ({2, 4} <= set(t["pixel"].unique())):
        empty_figure(path, f"{month}: no daytime soundings of pixels 2 and 4 (every file of the month skipped?)")
        return
    res = 2.0
    key = (np.floor((t["lat"] + 90) / res) * 1000 + np.floor((t["lon"] + 180) / res)).to_numpy()
    g = pd.DataFrame({"key": key, "pixel": t["pixel"].to_numpy(), "xgas": t["xgas"].to_numpy(),
                      "lat": t["lat"].to_numpy(), "lon": t["lon"].to_numpy()})
    m = g.pivot_table(index="key", columns="pixel", values="xgas", aggfunc="mean")
    cen = g.groupby("key")[["lat", "lon"]].mean()
    diff = (m.get(2) - m.get(4)).reindex(cen.index)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    map_grid(axes[0], cen["lat"], cen["lon"], diff.to_numpy(), res, -8, 8,
             label=label("XCO pixel 2 - pixel 4", "ppb"))
    axes[0].set_title(f"{month}: pixel 2 minus pixel 4 (daytime, {res:g}$^\\circ$ x {res:g}$^\\circ$)")
    snow = (table["modis_snow_ice"] < 0.999).astype(float).to_numpy()
    map_grid(axes[1], table["lat"], table["lon"], snow, res, 0, 1, cmap=figstyle.SEQUENTIAL_CMAP,
             label=label("fraction of soundings flagged snow/ice", "1"))
    axes[1].set_title(f"{month}: MODIS snow/ice diagnostic < 0.999")
    fig.tight_layout()
    _save(fig, path)


def fig2(bins: pd.DataFrame, events_s, path, title="preliminary pixel bias, 15-day bins"):
    """H19 Fig. 2: each pixel minus the all-pixel mean in time bins, land and water, event marked."""
    fig, axes = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
    for ax, surf in zip(axes, (1, 0), strict=True):
        b = bins[bins["surface"] == surf]
        for p, gp in b.groupby("pixel"):
            t = pd.to_datetime(gp["t_mid"], unit="s")
            ax.plot(t, gp["diff"], ".-", ms=3, lw=0.7, color=PIXEL_COLORS[int(p)], label=f"pixel {int(p)}")
        for e in events_s:
            ax.axvline(pd.to_datetime(e, unit="s"), color="k", ls="--", lw=1)
        ax.axhline(0, color=figstyle.REFERENCE_COLOR, lw=0.5)
        ax.set_ylabel(label(f"{SURF[surf]}: XCO pixel - all pixels", "ppb"))
    axes[-1].set_xlabel("time (UTC)")
    axes[0].legend(ncol=4)
    axes[0].set_title(title)
    fig.tight_layout()
    _save(fig, path)


def fig3(diag: pd.DataFrame, after: pd.DataFrame, candidate: str, applied: list[dict], path):
    """H19 Fig. 3-style diagram for one candidate: mean anomaly (>= min count), RMS, per-pixel
    means, histograms of all, prefiltered and filtered soundings, and the applied cutoffs."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    xlabel = figstyle.field_label(candidate)
    for ax, surf in zip(axes, (1, 0), strict=True):
        d = diag[(diag["candidate"] == candidate) & (diag["surface"] == surf) & (diag["bin"] >= 0)].copy()
        d = d[np.isfinite(d["bin_hi"])]
        if d.empty:
            ax.set_title(f"{candidate} ({SURF[surf]}): no data")
            continue
        x = 0.5 * (d["bin_lo"] + d["bin_hi"])
        width = float((d["bin_hi"] - d["bin_lo"]).iloc[0])
        ax2 = ax.twinx()
        ax2.bar(x, d["hist_all"].fillna(0), width=width, color="0.85", label="all")
        ax2.bar(x, d["hist_prefiltered"].fillna(0), width=width, color="0.6", label="prefiltered")
        a = after[(after["candidate"] == candidate) & (after["surface"] == surf) & (after["bin"] >= 0)]
        if len(a):
            ax2.step(0.5 * (a["bin_lo"] + a["bin_hi"]), a["hist_filtered"].fillna(0), where="mid", color="k", lw=0.8, label="filtered")
        ax2.set_ylabel(label("soundings per bin", "count"))
        ax2.spines["right"].set_visible(True)
        ax.set_zorder(ax2.get_zorder() + 1)
        ax.patch.set_visible(False)
        ev = d["evaluable"].astype(bool)
        ax.plot(x[ev], d["mean"][ev], "o-", color=figstyle.FIT_COLOR, ms=3, label="mean")
        ax.plot(x[ev], d["rms"][ev], "^-", color=figstyle.OKABE_ITO["reddish_purple"], ms=3, label="RMS")
        for p in range(1, 5):
            col = f"pixel{p}_mean"
            if col in d:
                ax.plot(x, d[col], ".", color=PIXEL_COLORS[p], ms=3, label=f"pixel {p}")
        for f in applied:
            if f["field"] == candidate and f["surface"] in (SURF[surf], "all"):
                ax.axvline(f["threshold"], color=figstyle.MARK_COLOR, lw=1.2)
        ax.axhline(0, color=figstyle.REFERENCE_COLOR, lw=0.5)
        ax.set_ylim(-10, 12)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(label("SRA anomaly", "ppb"))
        ax.set_title(f"{candidate}, {SURF[surf]}")
    if axes[0].get_legend_handles_labels()[0]:
        axes[0].legend(loc="upper left", ncol=2)
    fig.tight_layout()
    _save(fig, path)


# --- TCCON validation figures (H19 Figs. 4-8) -------------------------------------------------------
SURF_COLORS = SURFACE_COLORS


def fig8(mopitt_ak: pd.DataFrame, tccon_ak: dict, path):
    """Median unitless MOPITT column AK by pixel and season (H19 Fig. 8a-d) and TCCON column AKs
    at several SZAs (Fig. 8e). ``mopitt_ak``: pressure, ak, pixel, season per (sounding, level)."""
    seasons = ["DJF", "MAM", "JJA", "SON"]
    fig, axes = plt.subplots(1, 5, figsize=(15, 4), sharey=True)
    for ax, season in zip(axes[:4], seasons, strict=True):
        d = mopitt_ak[mopitt_ak["season"] == season]
        for pix, col in PIXEL_COLORS.items():
            g = d[d["pixel"] == pix].groupby("slot").agg(p=("pressure", "median"), a=("ak", "median"))
            if len(g):
                ax.plot(g["a"], g["p"], "-o", ms=3, color=col, label=f"pixel {pix}")
        ax.set_title(f"MOPITT {season}")
        ax.set_xlabel(label("column AK", "1"))
    axes[0].legend()
    axes[0].set_ylabel(label("pressure", "hPa"))
    axes[0].invert_yaxis()
    ax = axes[4]
    for sza, col in zip(tccon_ak["sza"], plt.cm.viridis(np.linspace(0, 1, len(tccon_ak["sza"]))), strict=True):
        m = np.abs(tccon_ak["obs_sza"] - sza) < 5
        if m.any():
            ax.plot(np.nanmean(tccon_ak["ak"][m], axis=0), tccon_ak["pressure"], color=col, label=f"SZA {sza:.0f}")
    ax.set_title(f"TCCON ({tccon_ak['site']})")
    ax.set_xlabel(label("column AK", "1"))
    ax.legend()
    fig.tight_layout()
    _save(fig, path)




def unitless_aks(candidate_paths) -> pd.DataFrame:
    """Unitless MOPITT column AK at the prior (H19 Eq. B3) of every candidate sounding, long
    format (slot, pressure, ak, pixel, season) for H19 Fig. 8."""
    import xarray as xr

    from satcol.instruments.mopitt import levels

    frames = []
    for p in candidate_paths:
        with xr.open_dataset(p, engine="h5netcdf") as ds:
            if ds.sizes["pair"] == 0:
                continue
            psurf = ds["psurf"].values.astype(np.float64)
            x_a = ds["prior_vmr"].values.astype(np.float64)
            A = ds["averaging_kernel"].values.astype(np.float64)
            month = ds["time"].values.astype("datetime64[M]").astype(int) % 12 + 1
            pixel = ds["pixel"].values
        h = levels.pressure_weights(psurf)
        a = akcompare.unitless_column_ak(akcompare.column_averaging_kernel(A, x_a, h), h, x_a)
        pres = levels.level_pressures(psurf)
        season = np.array(["DJF", "DJF", "MAM", "MAM", "MAM", "JJA", "JJA", "JJA", "SON", "SON", "SON", "DJF"])[month - 1]
        n = psurf.size
        frames.append(pd.DataFrame({"slot": np.tile(np.arange(10), n), "pressure": pres.ravel(), "ak": a.ravel(),
                                    "pixel": np.repeat(pixel, 10), "season": np.repeat(season, 10)}).dropna())
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["slot", "pressure", "ak", "pixel", "season"])
