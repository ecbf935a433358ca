"""Error correlation between neighbouring soundings, estimated from SRA residuals.

The small-region approximation (H19 Sect. 3.2) takes the atmosphere within one region seen in
one overpass as homogeneous. Two soundings i, j of the same region then differ only by their
errors, and the region median cancels in the difference:

    E[(x_i - x_j)^2] = s_i^2 + s_j^2 - 2 rho(d_ij) s_i s_j

where s is each sounding's observation error (the reported error without its smoothing part:
two soundings of one atmosphere with similar kernels share their smoothing error, and an
assimilation that applies the averaging kernel accounts for it; docs/methods.md sect. 5) and rho(d)
is the correlation of the errors at separation d. Binned by separation, the moment estimator

    rho_hat(d) = [sum (s_i^2 + s_j^2) - sum (x_i - x_j)^2] / (2 sum s_i s_j)

is computed from per-month partial sums (pairs never cross a month or an overpass) and fitted
with a correlation model rho(d) = c0 f(d / L) for d > 0 (rho(0) = 1), with f = exp(-x)
('exponential') or exp(-x^2 / 2) ('gaussian'). c0 < 1 is the share of the error variance that
is correlated at short range (the rest, 1 - c0, is uncorrelated noise: a nugget).

The super-observation error (docs/methods.md sect. 10, generalised from a constant correlation to
rho(d)) then is sigma^2 = sum_ij w_i w_j rho(d_ij) s_i s_j; see :mod:`satcol.export.superobs`.

What this cannot see: error correlated over scales larger than a region is indistinguishable
from the atmosphere within the SRA, so the fitted model is a lower bound on long-range error
correlation (docs/mopitt-h19.md, "Assimilation export (H19 Sect. 5)").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from satcol.core.surface import WATER_LAND

KM_PER_DEG = 111.195  # great-circle km per degree on a 6371 km sphere
FAMILIES = {
    "exponential": lambda x: np.exp(-x),
    "gaussian": lambda x: np.exp(-0.5 * x * x),
}
PARTIAL_COLUMNS = ["surface", "bin", "n_pairs", "sum_d", "sum_sq_diff", "sum_var", "sum_prod"]


def separation_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Distance (km) between nearby points, equirectangular about the mean latitude (exact to
    well under 1 % below a few hundred km)."""
    dlat = np.asarray(lat2, dtype=np.float64) - np.asarray(lat1, dtype=np.float64)
    dlon = (np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64) + 180.0) % 360.0 - 180.0
    coslat = np.cos(np.radians(0.5 * (np.asarray(lat1, dtype=np.float64) + np.asarray(lat2, dtype=np.float64))))
    return KM_PER_DEG * np.hypot(dlat, dlon * coslat)


def pairs_within_groups(group_sorted: np.ndarray):
    """Every pair (i, j), i < j, of rows with the same group id, for rows sorted by group.

    Yields (i, j) index arrays, one batch per offset k = j - i; the work is sum of n_g^2 / 2
    over groups, with no Python loop over groups or rows.
    """
    g = np.asarray(group_sorted)
    n = g.size
    if n < 2:
        return
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    sizes = np.diff(np.r_[starts, n])
    remaining = np.repeat(starts + sizes, sizes) - np.arange(n) - 1  # rows after i in its group
    active = np.flatnonzero(remaining > 0)
    k = 1
    while active.size:
        yield active, active + k
        k += 1
        active = active[remaining[active] >= k]


def pair_partials(region, surface, lat, lon, x, s, bin_km: float, max_km: float) -> pd.DataFrame:
    """Per-month partial sums of the pair statistics, by surface and separation bin.

    ``region`` is the SRA region id of each sounding (-1: not used); pairs are taken within a
    region and the same surface type only. ``x`` is the corrected XCO and ``s`` the observation
    error (ppb). Returns one row per (surface, bin) with the pair count, the summed separation,
    sum (x_i - x_j)^2, sum (s_i^2 + s_j^2) and sum s_i s_j.
    """
    region = np.asarray(region)
    surface = np.asarray(surface)
    x = np.asarray(x, dtype=np.float64)
    s = np.asarray(s, dtype=np.float64)
    use = (region >= 0) & np.isfinite(x) & np.isfinite(s) & (s > 0) & np.isin(surface, (0, 1))
    idx = np.flatnonzero(use)
    n_bins = int(np.ceil(max_km / bin_km))
    n_cells = 2 * n_bins
    acc = np.zeros((5, n_cells))
    if idx.size:
        order = idx[np.lexsort((surface[idx], region[idx]))]
        key = region[order] * 2 + surface[order]
        la, lo, xs, ss, sf = (np.asarray(lat, dtype=np.float64)[order], np.asarray(lon, dtype=np.float64)[order],
                              x[order], s[order], surface[order].astype(np.int64))
        for i, j in pairs_within_groups(key):
            d = separation_km(la[i], lo[i], la[j], lo[j])
            b = np.floor(d / bin_km).astype(np.int64)
            ok = b < n_bins
            cell = sf[i][ok] * n_bins + b[ok]
            i, j, d = i[ok], j[ok], d[ok]
            for row, w in enumerate((np.ones(i.size), d, (xs[i] - xs[j]) ** 2, ss[i] ** 2 + ss[j] ** 2, ss[i] * ss[j])):
                acc[row] += np.bincount(cell, weights=w, minlength=n_cells)
    surf, b = np.divmod(np.arange(n_cells), n_bins)
    out = pd.DataFrame({"surface": surf, "bin": b, "n_pairs": acc[0].astype(np.int64), "sum_d": acc[1],
                        "sum_sq_diff": acc[2], "sum_var": acc[3], "sum_prod": acc[4]})
    return out[out["n_pairs"] > 0].reset_index(drop=True)


def reduce_partials(partials: list[pd.DataFrame], bin_km: float) -> pd.DataFrame:
    """Sum the monthly partials and form rho_hat per surface and separation bin."""
    frames = [p for p in partials if len(p)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="float64")
                             for c in PARTIAL_COLUMNS + ["d_km", "rho", "bin_lo_km", "bin_hi_km"]})
    r = pd.concat(frames).groupby(["surface", "bin"], as_index=False)[PARTIAL_COLUMNS[2:]].sum()
    r["d_km"] = r["sum_d"] / r["n_pairs"]
    r["rho"] = (r["sum_var"] - r["sum_sq_diff"]) / (2.0 * r["sum_prod"])
    r["bin_lo_km"] = r["bin"] * bin_km
    r["bin_hi_km"] = (r["bin"] + 1) * bin_km
    return r.sort_values(["surface", "bin"]).reset_index(drop=True)


@dataclass
class CorrelationModel:
    """rho(d) = c0 f(d / length_km) for d > 0, 1 at d = 0 (f: :data:`FAMILIES`)."""

    family: str
    c0: float
    length_km: float
    c0_se: float = float("nan")
    length_km_se: float = float("nan")
    n_pairs: int = 0
    source: str = "fit"

    def rho(self, d_km) -> np.ndarray:
        d = np.asarray(d_km, dtype=np.float64)
        return np.where(d > 0, self.c0 * FAMILIES[self.family](d / self.length_km), 1.0)

    def as_dict(self) -> dict:
        return asdict(self)


def fit_correlation(binned: pd.DataFrame, family="exponential", min_pairs=100, min_bins=3) -> CorrelationModel:
    """Weighted least-squares fit of rho(d) = c0 f(d / L) to the binned estimates.

    Each bin is weighted by its pair count (the estimates' variance falls roughly as 1/n).
    Raises ValueError when fewer than ``min_bins`` bins hold ``min_pairs`` pairs.
    """
    if family not in FAMILIES:
        raise ValueError(f"unknown correlation family {family!r} ({' | '.join(FAMILIES)})")
    b = binned[(binned["n_pairs"] >= min_pairs) & np.isfinite(binned["rho"])]
    if len(b) < min_bins:
        raise ValueError(f"only {len(b)} separation bins with >= {min_pairs} pairs (need {min_bins})")
    d, rho, n = b["d_km"].to_numpy(float), b["rho"].to_numpy(float), b["n_pairs"].to_numpy(float)
    f = FAMILIES[family]

    def model(dd, c0, L):
        return c0 * f(dd / L)

    from scipy import optimize  # here, not at import: scipy costs 0.2-0.5 s per job (issue #7)

    p0 = (float(np.clip(rho[0], 0.01, 0.99)), float(np.median(d)))
    popt, pcov = optimize.curve_fit(model, d, rho, p0=p0, sigma=1.0 / np.sqrt(n / n.max()),
                                    bounds=([0.0, 1.0], [1.0, 5000.0]), maxfev=20000)
    se = np.sqrt(np.clip(np.diag(pcov), 0, None))
    return CorrelationModel(family, float(popt[0]), float(popt[1]), float(se[0]), float(se[1]), int(n.sum()))


def fit_all(binned: pd.DataFrame, cfg: dict) -> dict:
    """The correlation model per surface ('land', 'water'), fitted or fixed by the config.

    ``cfg`` is ``export.error_correlation``: mode fit | fixed, family, min_pairs, and for
    'fixed' the c0 and length_km to use. A surface with too few pairs to fit takes the other
    surface's model (recorded as its source); with no fit at all the run stops with advice.
    """
    names = WATER_LAND
    if cfg["mode"] == "fixed":
        m = CorrelationModel(cfg["family"], float(cfg["c0"]), float(cfg["length_km"]), source="config")
        return {name: m for name in names.values()}
    models, problems = {}, {}
    for code, name in names.items():
        try:
            models[name] = fit_correlation(binned[binned["surface"] == code], cfg["family"], cfg["min_pairs"])
        except (ValueError, RuntimeError) as exc:
            problems[name] = str(exc)
    if not models:
        raise ValueError("cannot fit the error correlation model on either surface ("
                         + "; ".join(f"{k}: {v}" for k, v in problems.items())
                         + "); set export.error_correlation.mode: fixed with c0 and length_km")
    for name in problems:
        other = next(iter(models.values()))
        models[name] = CorrelationModel(**{**other.as_dict(), "source": f"other surface ({problems[name]})"})
    return models
