"""Feature-bias corrections of H19 Sect. 3.4: linear and two-regime piecewise-linear fits of the
SRA anomaly against a candidate parameter, accepted only if they cut the SRA RMS by at least
``min_rms_reduction`` (H19: 3 %; only the maximum difference between adjacent levels over land
passed, split at 100 ppb).

The piecewise model is continuous at the breakpoint b:
    anomaly ~ c + s1 * min(f - b, 0) + s2 * max(f - b, 0)
and the linear model is its special case s1 = s2. Both are ordinary least squares on all
points, computed exactly from per-month sufficient statistics (X^T X, X^T y, y^T y, n), so the
global fit equals a fit on the concatenated soundings. Fits are per surface (land, water); the
RMS reduction is over the soundings of that surface used in the fit, measured against the
intercept-only model: a constant cancels in x - median, so it cannot improve SRA anomalies, and
the applied correction leaves the intercept out (the SRA cannot see constant offsets; the global
scaling to TCCON takes them). The breakpoint is chosen
from the candidate's configured list by the lowest RMS after correction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

STAT_COLS = ["n", "yty"] + [f"xty{i}" for i in range(3)] + [f"xtx{i}{j}" for i in range(3) for j in range(3)]
_LINEAR = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])  # [1, f-b] = [1, min + max]


def basis(f, b) -> np.ndarray:
    d = np.asarray(f, dtype=np.float64) - b
    return np.stack([np.ones_like(d), np.minimum(d, 0.0), np.maximum(d, 0.0)], axis=-1)


def partial_stats(df: pd.DataFrame, anomaly, use, candidates: dict) -> pd.DataFrame:
    """Per-month sufficient statistics per candidate x surface x breakpoint."""
    rows = []
    anomaly = np.asarray(anomaly, dtype=np.float64)
    # The soundings used (a sixth of the month) are picked once; each candidate is then read at
    # those rows only, not tested over the whole month (issue #7). Same rows, same order.
    idx = np.flatnonzero(np.asarray(use) & np.isfinite(anomaly))
    surface = df["surface"].to_numpy()[idx]
    anomaly = anomaly[idx]
    for name, c in candidates.items():
        f = df[name].to_numpy()[idx].astype(np.float64)
        ok = np.isfinite(f)
        for surf in (0, 1):
            m = ok & (surface == surf)
            y = anomaly[m]
            for b in c["breakpoints"]:
                X = basis(f[m], float(b))
                xtx = X.T @ X
                xty = X.T @ y
                row = {"candidate": name, "surface": surf, "breakpoint": float(b), "n": float(y.size), "yty": float(y @ y)}
                row.update({f"xty{i}": float(xty[i]) for i in range(3)})
                row.update({f"xtx{i}{j}": float(xtx[i, j]) for i in range(3) for j in range(3)})
                rows.append(row)
    return pd.DataFrame(rows)


def _solve(xtx, xty, yty, n):
    """OLS from sufficient statistics: coefficients and RMS of the residuals."""
    try:
        beta = np.linalg.solve(xtx, xty)
    except np.linalg.LinAlgError:
        beta = np.linalg.lstsq(xtx, xty, rcond=None)[0]
    sse = yty - 2 * beta @ xty + beta @ xtx @ beta
    return beta, float(np.sqrt(max(sse, 0.0) / n))


def fit_all(reduced: pd.DataFrame, min_rms_reduction: float, max_per_surface: int = 1) -> pd.DataFrame:
    """Fit every candidate x surface x breakpoint; pick the best breakpoint; mark acceptance.

    ``passes`` marks every candidate meeting the RMS criterion; ``accepted`` keeps, per surface,
    the best ``max_per_surface`` of those (the fits are univariate and independent).
    """
    rows = []
    for r in reduced.itertuples(index=False):
        n = r.n
        if n < 10:
            continue
        xtx = np.array([[getattr(r, f"xtx{i}{j}") for j in range(3)] for i in range(3)])
        xty = np.array([getattr(r, f"xty{i}") for i in range(3)])
        mean = r.xty0 / n
        rms0 = float(np.sqrt(max(r.yty / n - mean**2, 0.0)))  # about the mean: intercept-only model
        beta_p, rms_p = _solve(xtx, xty, r.yty, n)
        bl, rms_l = _solve(_LINEAR.T @ xtx @ _LINEAR, _LINEAR.T @ xty, r.yty, n)
        rows.append({
            "candidate": r.candidate, "surface": int(r.surface), "breakpoint": r.breakpoint, "n": int(n),
            "rms_before": rms0, "mean_anomaly": mean,
            "linear_intercept": bl[0], "linear_slope": bl[1], "rms_linear": rms_l,
            "reduction_linear": 1.0 - rms_l / rms0 if rms0 > 0 else 0.0,
            "piecewise_intercept": beta_p[0], "slope_below": beta_p[1], "slope_above": beta_p[2],
            "rms_piecewise": rms_p, "reduction_piecewise": 1.0 - rms_p / rms0 if rms0 > 0 else 0.0,
        })
    fits = pd.DataFrame(rows)
    if fits.empty:
        return fits
    best = fits.loc[fits.groupby(["candidate", "surface"])["rms_piecewise"].idxmin()].reset_index(drop=True)
    # Prefer the simpler linear model unless the piecewise one adds at least a quarter of the
    # required reduction on top of it.
    use_piecewise = best["reduction_piecewise"] - best["reduction_linear"] >= 0.25 * min_rms_reduction
    best["model"] = np.where(use_piecewise, "piecewise", "linear")
    best["reduction"] = np.where(use_piecewise, best["reduction_piecewise"], best["reduction_linear"])
    best["passes"] = best["reduction"] >= min_rms_reduction
    rank = best.groupby("surface")["reduction"].rank(ascending=False, method="first")
    best["accepted"] = best["passes"] & (rank <= max_per_surface)
    return best.sort_values(["accepted", "reduction"], ascending=False).reset_index(drop=True)


def correction(fit: dict, f) -> np.ndarray:
    """The fitted feature-dependent bias (ppb) at feature values f, zero at the breakpoint, to be
    subtracted from XCO (the intercept is not applied; see the module docstring)."""
    f = np.asarray(f, dtype=np.float64)
    b = fit["breakpoint"]
    if fit["model"] == "piecewise":
        X = basis(f, b)
        return fit["slope_below"] * X[..., 1] + fit["slope_above"] * X[..., 2]
    return fit["linear_slope"] * (f - b)


def apply_accepted(df: pd.DataFrame, accepted: list[dict]) -> np.ndarray:
    """Sum of the accepted corrections for each sounding (0 where none applies or f is NaN)."""
    total = np.zeros(len(df))
    surface = df["surface"].to_numpy()
    for fit in accepted:
        m = surface == fit["surface"]
        c = correction(fit, df[fit["candidate"]].to_numpy())
        total += np.where(m & np.isfinite(c), c, 0.0)
    return total
