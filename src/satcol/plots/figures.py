"""The run's shared figures with matplotlib: maps, H19 Figs. 4-7 (validation) and the export's
error correlation; MOPITT's own (H19 Figs. 1-3 and 8) are in :mod:`satcol.instruments.mopitt.figures`.

Every figure is written as PNG and as vector PDF beside it, in one style (satcol.plots.figstyle:
Okabe-Ito colours, cividis and RdBu colour maps, axes labelled with quantity and unit).
Maps use the equal-area Eckert IV projection, implemented here (Snyder 1987, "Map
Projections: A Working Manual", USGS PP 1395, p. 256) because cartopy's coastline data cannot
be downloaded offline; coastlines are contours of the land mask of the ``global-land-mask``
package.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from satcol.core import landmask  # noqa: E402
from satcol.core.surface import WATER_LAND
from satcol.plots import figstyle  # noqa: E402
from satcol.plots.figstyle import SURFACE_COLORS, label  # noqa: E402

SURF = WATER_LAND
SURF_COLORS = SURFACE_COLORS
figstyle.apply()


def _save(fig, path):
    """PNG at ``path`` and PDF beside it, atomically (satcol.plots.figstyle.save)."""
    figstyle.save(fig, path)


def eckert4(lon_deg, lat_deg):
    """Eckert IV forward projection (unit sphere). Solves theta + sin(theta)cos(theta) +
    2 sin(theta) = (2 + pi/2) sin(phi) by Newton iteration (Snyder 1987, eqs. 31-1 to 31-3)."""
    lam = np.radians(np.asarray(lon_deg, dtype=np.float64))
    phi = np.radians(np.asarray(lat_deg, dtype=np.float64))
    target = (2.0 + np.pi / 2.0) * np.sin(phi)
    theta = phi / 2.0
    for _ in range(12):
        f = theta + np.sin(theta) * np.cos(theta) + 2.0 * np.sin(theta) - target
        df = 2.0 * np.cos(theta) * (1.0 + np.cos(theta))
        theta = theta - f / np.where(np.abs(df) < 1e-12, 1e-12, df)
    x = 2.0 / np.sqrt(np.pi * (4.0 + np.pi)) * lam * (1.0 + np.cos(theta))
    y = 2.0 * np.sqrt(np.pi / (4.0 + np.pi)) * np.sin(theta)
    return x, y


def _coastlines(ax, step=0.5):
    lat = np.arange(-89.75, 90.0, step)
    lon = np.arange(-179.75, 180.0, step)
    LON, LAT = np.meshgrid(lon, lat)
    land = landmask.is_land(LAT, LON).astype(float)
    X, Y = eckert4(LON, LAT)
    ax.contour(X, Y, land, levels=[0.5], colors="k", linewidths=0.4)
    # outline of the globe
    t = np.linspace(-90, 90, 181)
    for lo in (-180.0, 180.0):
        x, y = eckert4(np.full_like(t, lo), t)
        ax.plot(x, y, color="k", lw=0.6)
    ax.set_aspect("equal")
    ax.axis("off")


def map_grid(ax, lat, lon, values, res=2.0, vmin=None, vmax=None, cmap=figstyle.DIVERGING_CMAP, label=""):
    """Mean of ``values`` on a res x res degree grid (``lat``, ``lon`` in degrees), drawn in the
    equal-area Eckert IV projection with coastlines; ``label`` names the colour bar (with unit)."""
    ok = np.isfinite(values)
    i = np.floor((np.asarray(lat)[ok] + 90) / res).astype(int)
    j = np.floor((np.asarray(lon)[ok] + 180) / res).astype(int)
    ny, nx = int(180 / res), int(360 / res)
    s = np.zeros((ny, nx))
    n = np.zeros((ny, nx))
    np.add.at(s, (i.clip(0, ny - 1), j.clip(0, nx - 1)), np.asarray(values)[ok])
    np.add.at(n, (i.clip(0, ny - 1), j.clip(0, nx - 1)), 1)
    with np.errstate(invalid="ignore"):
        grid = s / n
    lat_e = np.arange(-90, 90 + res, res)
    lon_e = np.arange(-180, 180 + res, res)
    LON, LAT = np.meshgrid(lon_e, lat_e)
    X, Y = eckert4(LON, LAT)
    pm = ax.pcolormesh(X, Y, np.ma.masked_invalid(grid), cmap=cmap, vmin=vmin, vmax=vmax, shading="flat")
    _coastlines(ax)
    plt.colorbar(pm, ax=ax, orientation="horizontal", fraction=0.05, pad=0.02, label=label)


def fig4(snd: pd.DataFrame, sites: pd.DataFrame, path):
    """Ratio of MOPITT XCO at the TCCON surface pressure to XCO at the sounding's, by site
    ordered by altitude (H19 Fig. 4; here over the colocated soundings)."""
    alt = sites.set_index("id")["altitude_m"]
    ratio = snd["method_0_standard_y"] / snd["xgas_profile_at_psurf"]
    order = [s for s in alt.sort_values().index if s in set(snd["site"])]
    fig, ax = plt.subplots(figsize=(max(6, 0.5 * len(order) + 2), 4))
    data = [ratio[snd["site"] == s].to_numpy() for s in order]
    ax.boxplot(data, whis=(0.5, 99.5), showfliers=False)
    ax.set_xticks(range(1, len(order) + 1), [f"{s} ({alt[s]:.0f})" for s in order], rotation=60, ha="right")
    ax.axhline(1.0, color=figstyle.REFERENCE_COLOR, lw=0.8)
    ax.set_ylabel(label("XCO at TCCON / at MOPITT surface pressure", "1"))
    ax.set_xlabel("TCCON site (altitude, m)")
    ax.set_title("surface-pressure scaling of MOPITT XCO, by site")
    fig.tight_layout()
    _save(fig, path)


def fig5(days: pd.DataFrame, fit: dict, path, method="method_II", variant="standard"):
    """One-to-one MOPITT vs TCCON with the York fit (H19 Fig. 5)."""
    p = f"{method}_{variant}"
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    for surf, name in SURF.items():
        d = days[days["surface"] == surf]
        ax.errorbar(d[f"{p}_x"], d[f"{p}_y"], xerr=d[f"{p}_x_sem"], yerr=d[f"{p}_y_sem"], fmt="o", ms=3,
                    color=SURF_COLORS[surf], alpha=0.7, label=f"{name} (n={len(d)})", elinewidth=0.6)
    lo = np.nanmin(days[[f"{p}_x", f"{p}_y"]].to_numpy()) * 0.9
    hi = np.nanmax(days[[f"{p}_x", f"{p}_y"]].to_numpy()) * 1.05
    xx = np.array([lo, hi])
    ax.plot(xx, xx, color=figstyle.REFERENCE_COLOR, lw=0.8, label="1:1")
    if "slope" in fit:
        ax.plot(xx, fit["intercept"] + fit["slope"] * xx, color=figstyle.FIT_COLOR, lw=1.2,
                label=f"York: y = {fit['slope']:.3f} x {fit['intercept']:+.2f}")
        b = fit["bias_percent"]
        ax.text(0.03, 0.97, f"n = {fit['n']}, R$^2$ = {fit['r2']:.3f}\n" + "\n".join(
            f"bias at {k} ppb: {v:+.1f} %" for k, v in b.items()) + f"\nscale factor {fit['scale_factor']:.4f}",
            transform=ax.transAxes, va="top", fontsize=8)
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_xlabel(label(f"TCCON XCO ({variant}; {method.replace('_', ' ')})", "ppb"))
    ax.set_ylabel(label("MOPITT XCO", "ppb"))
    ax.legend(loc="lower right")
    fig.tight_layout()
    _save(fig, path)


def fig6(days: pd.DataFrame, sites: pd.DataFrame, path, method="method_II", variant="standard"):
    """Per-site percent difference MOPITT - TCCON, land and water, ordered by latitude (H19 Fig. 6)."""
    p = f"{method}_{variant}"
    pct = 100.0 * (days[f"{p}_y"] - days[f"{p}_x"]) / days[f"{p}_x"]
    lat = sites.set_index("id")["lat"]
    order = [s for s in lat.sort_values().index if s in set(days["site"])]
    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(order) + 2), 4))
    for k, surf in enumerate((1, 0)):
        data = [pct[(days["site"] == s) & (days["surface"] == surf)].to_numpy() for s in order]
        pos = np.arange(len(order)) * 3 + k
        keep = [i for i, d in enumerate(data) if d.size]
        if keep:
            bp = ax.boxplot([data[i] for i in keep], positions=pos[keep], widths=0.8, patch_artist=True, showfliers=True)
            for b in bp["boxes"]:
                b.set_facecolor(SURF_COLORS[surf])
    ax.set_xticks(np.arange(len(order)) * 3 + 0.5, [f"{s} ({lat[s]:.0f})" for s in order], rotation=60, ha="right")
    ax.axhline(0.0, color=figstyle.REFERENCE_COLOR, lw=0.8)
    ax.set_ylabel(label("MOPITT - TCCON", "%"))
    ax.set_xlabel("TCCON site (latitude, deg N)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=SURF_COLORS[s]) for s in (1, 0)]
    ax.legend(handles, ["land", "water"], loc="best")
    ax.set_title(f"{method.replace('_', ' ')}, {variant} TCCON; sites by latitude")
    fig.tight_layout()
    _save(fig, path)


def fig7(days: pd.DataFrame, path, method="method_II", lat_bin=5.0):
    """Hovmoller of monthly x 5-degree mean percent differences, standard and unscaled TCCON (H19 Fig. 7)."""
    fig, axes = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    t = pd.to_datetime(days["day"] * 86400, unit="s")
    month = (t.dt.year + (t.dt.month - 0.5) / 12.0).to_numpy()
    lat = np.floor(days["site_lat"].to_numpy() / lat_bin) * lat_bin
    for ax, variant in zip(axes, ("standard", "unscaled"), strict=True):
        p = f"{method}_{variant}"
        pct = 100.0 * (days[f"{p}_y"] - days[f"{p}_x"]) / days[f"{p}_x"]
        g = pd.DataFrame({"m": month, "lat": lat, "pct": pct}).groupby(["m", "lat"], as_index=False)["pct"].mean()
        sc = ax.scatter(g["m"], g["lat"] + lat_bin / 2, c=g["pct"], cmap=figstyle.DIVERGING_CMAP, vmin=-15, vmax=15,
                        marker="s", s=30)
        ax.set_ylabel(label("latitude", "deg N"))
        ax.set_title(f"MOPITT - TCCON ({variant}), monthly {lat_bin:.0f}$^\\circ$ bins")
        fig.colorbar(sc, ax=ax, label=label("MOPITT - TCCON", "%"))
    axes[-1].set_xlabel(label("time", "decimal year"))
    fig.tight_layout()
    _save(fig, path)


def empty_figure(path, message: str):
    """A figure that says why there is nothing to show (e.g. no colocated day in a short run)."""
    fig, ax = plt.subplots(figsize=(6, 2))
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True)
    ax.axis("off")
    _save(fig, path)


def error_correlation(binned: pd.DataFrame, models: dict, path):
    """Binned error correlation of SRA residual pairs against separation, with the fitted model
    per surface (satcol.validation.error_correlation)."""
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    d = np.linspace(0.0, float(binned["bin_hi_km"].max()) if len(binned) else 150.0, 200)[1:]
    for code, name, color in ((1, "land", SURFACE_COLORS[1]), (0, "water", SURFACE_COLORS[0])):
        b = binned[binned["surface"] == code] if len(binned) else binned
        if len(b):
            ax.plot(b["d_km"], b["rho"], "o", color=color, ms=4, label=f"{name}: pairs of SRA residuals")
        m = models.get(name)
        if m is not None:
            ax.plot(d, m.rho(d), "-", color=color,
                    label=f"{name}: {m.family} c0={m.c0:.2f}, L={m.length_km:.0f} km ({m.source})")
    ax.axhline(0.0, color=figstyle.REFERENCE_COLOR, lw=0.8)
    ax.set_xlabel(label("separation", "km"))
    ax.set_ylabel(label("error correlation", "1"))
    ax.set_title("Error correlation of soundings in one overpass")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)
    fig.tight_layout()
    _save(fig, path)
