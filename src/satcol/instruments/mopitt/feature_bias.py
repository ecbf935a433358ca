"""Feature-bias corrections of H19 Sect. 3.4: fits of the SRA anomaly against a candidate
parameter, accepted only if they cut the SRA RMS by at least ``min_rms_reduction``.

H19's rule (the default, ``feature_bias`` section of the config):

- **Criterion** (``rms_scope: overall``): the correction must lower the *overall* SRA RMS (land
  and water soundings together, after filtering; H19: 2.55 ppb) by at least 3 %: "Even with a
  criterion of only a 3 % reduction in the overall RMS, the only parameter to meet this is the
  maximum difference between adjacent levels over land". A correction fitted over one surface
  changes only that surface's anomalies, so the other surface dilutes its reduction.
- **Form** (``model: piecewise``, ``breakpoint: fixed``): a piecewise linear fit "over two
  regimes, split at 100 ppb" (``fixed_breakpoints: {max_adjacent_diff: 100}``). H19 name no
  breakpoint for any other parameter; their precedent (the OCO-2 corrections they cite) screens
  parameters with linear fits, so a candidate without a fixed breakpoint is fitted linearly.
- **Anomalies**: the SRA of the *filtered* soundings (``anomalies: filtered_sra``, set in
  :func:`satcol.instruments.mopitt.qcchain.run_apply_filters`), whose RMS is H19's 2.55 ppb.

The piecewise model is continuous at the breakpoint b:
    anomaly ~ c + s1 * min(f - b, 0) + s2 * max(f - b, 0)
and the linear model is its special case s1 = s2. Both are ordinary least squares on all
points, computed exactly from per-month sufficient statistics (X^T X, X^T y, y^T y, n), so the
global fit equals a fit on the concatenated soundings. Fits are per surface (land, water).

RMS after a correction: the overall RMS is sqrt(sum a^2 / N) over every sounding of both
surfaces in a valid region (H19's definition). A fit credits only what its slopes explain,
dSSE = SSE(intercept only) - SSE(fit), over the soundings with a finite parameter of the fitted
surface: RMS_after = sqrt((sum a^2 - dSSE) / N). A constant cancels in x - median, so it
cannot improve SRA anomalies, and the applied correction leaves the intercept out (the SRA
cannot see constant offsets; the global scaling to TCCON takes them).

Departures, each a config option (docs/mopitt-h19.md "Where satcol departs from or adds to H19, and why"):
``rms_scope: surface`` measures the reduction against the fitted surface's own RMS (about its
mean); ``model: linear`` fits a line for every candidate; ``model: select`` keeps the linear
fit unless the piecewise one adds ``select_min_gain`` x ``min_rms_reduction`` to the
reduction; ``breakpoint: search`` picks, per candidate, the breakpoint of the candidates file
with the lowest RMS after correction; ``max_corrections_per_surface`` limits the accepted
corrections per surface (H19 accepted one).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from satcol.instruments.mopitt import filters

STAT_COLS = ["n", "yty"] + [f"xty{i}" for i in range(3)] + [f"xtx{i}{j}" for i in range(3) for j in range(3)]
_LINEAR = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])  # [1, f-b] = [1, min + max]
#: The pseudo-candidate whose rows hold every sounding of a surface (n, sum a, sum a^2): the
#: denominator of the overall RMS, including soundings whose candidate value is missing.
ALL = "__all__"
MODELS = ("piecewise", "linear", "select")


def basis(f, b) -> np.ndarray:
    d = np.asarray(f, dtype=np.float64) - b
    return np.stack([np.ones_like(d), np.minimum(d, 0.0), np.maximum(d, 0.0)], axis=-1)


def stat_breakpoints(candidates: dict, fixed_breakpoints: dict | None = None) -> dict:
    """Breakpoints to accumulate statistics for, per candidate: the candidates file's list plus
    the candidate's fixed breakpoint (config ``feature_bias.fixed_breakpoints``)."""
    fixed = fixed_breakpoints or {}
    return {name: sorted({float(b) for b in c["breakpoints"]} | ({float(fixed[name])} if name in fixed else set()))
            for name, c in candidates.items()}


def partial_stats(df: pd.DataFrame, anomaly, use, candidates: dict, fixed_breakpoints: dict | None = None) -> pd.DataFrame:
    """Per-month sufficient statistics per candidate x surface x breakpoint, plus one
    :data:`ALL` row per surface (n, sum and sum of squares of every used anomaly).

    ``df``: the month's soundings (``surface`` and the candidate columns); ``anomaly`` (ppb):
    SRA anomaly per sounding; ``use``: soundings entering the fits; ``fixed_breakpoints``: extra
    breakpoints per candidate (:func:`stat_breakpoints`)."""
    rows = []
    anomaly = np.asarray(anomaly, dtype=np.float64)
    # The soundings used (a sixth of the month) are picked once; each candidate is then read at
    # those rows only, not tested over the whole month (issue #7). Same rows, same order.
    idx = np.flatnonzero(np.asarray(use) & np.isfinite(anomaly))
    surface = df["surface"].to_numpy()[idx]
    anomaly = anomaly[idx]
    zero = {f"xty{i}": 0.0 for i in range(3)} | {f"xtx{i}{j}": 0.0 for i in range(3) for j in range(3)}
    for surf in (0, 1):
        y = anomaly[surface == surf]
        rows.append({"candidate": ALL, "surface": surf, "breakpoint": 0.0, "n": float(y.size), "yty": float(y @ y),
                     **zero, "xty0": float(y.sum()), "xtx00": float(y.size)})
    for name, bps in stat_breakpoints(candidates, fixed_breakpoints).items():
        f = filters.field_values(df, name)[idx].astype(np.float64)
        ok = np.isfinite(f)
        for surf in (0, 1):
            m = ok & (surface == surf)
            y = anomaly[m]
            for b in bps:
                X = basis(f[m], float(b))
                xtx = X.T @ X
                xty = X.T @ y
                row = {"candidate": name, "surface": surf, "breakpoint": float(b), "n": float(y.size), "yty": float(y @ y)}
                row.update({f"xty{i}": float(xty[i]) for i in range(3)})
                row.update({f"xtx{i}{j}": float(xtx[i, j]) for i in range(3) for j in range(3)})
                rows.append(row)
    return pd.DataFrame(rows)


def _solve(xtx, xty, yty, n):
    """OLS from sufficient statistics: coefficients and sum of squared residuals."""
    try:
        beta = np.linalg.solve(xtx, xty)
    except np.linalg.LinAlgError:
        beta = np.linalg.lstsq(xtx, xty, rcond=None)[0]
    sse = yty - 2 * beta @ xty + beta @ xtx @ beta
    return beta, float(max(sse, 0.0))


def _check_options(opts: dict):
    for key in ("min_rms_reduction", "max_corrections_per_surface", "rms_scope", "model", "breakpoint",
                "fixed_breakpoints", "select_min_gain"):
        if key not in opts:
            raise KeyError(f"feature_bias.{key} missing from the options (config/schema/config.schema.yaml)")
    if opts["rms_scope"] not in ("overall", "surface"):
        raise ValueError(f"feature_bias.rms_scope {opts['rms_scope']!r}: overall | surface")
    if opts["model"] not in MODELS:
        raise ValueError(f"feature_bias.model {opts['model']!r}: {' | '.join(MODELS)}")
    if opts["breakpoint"] not in ("fixed", "search"):
        raise ValueError(f"feature_bias.breakpoint {opts['breakpoint']!r}: fixed | search")


def fit_all(reduced: pd.DataFrame, options: dict) -> pd.DataFrame:
    """Fit every candidate x surface x breakpoint, choose each candidate's model and breakpoint,
    and mark acceptance, by the rule of ``options`` (the config's ``feature_bias`` section; see
    the module docstring; H19 Sect. 3.4).

    Returns one row per candidate x surface: the linear and piecewise coefficients, the RMS
    before and after (ppb) and the reduction 1 - RMS_after / RMS_before of both fits in the
    configured scope (``reduction_linear``, ``reduction_piecewise``) and in the other one
    (``*_overall``, ``*_surface``), the chosen ``model`` and its ``reduction``; ``passes`` marks
    every candidate meeting the criterion, ``accepted`` keeps per surface the best
    ``max_corrections_per_surface`` of those (the fits are univariate and independent).
    """
    _check_options(options)
    if reduced.empty:
        return pd.DataFrame()
    min_red = float(options["min_rms_reduction"])
    fixed = {k: float(v) for k, v in (options["fixed_breakpoints"] or {}).items()}
    totals = reduced[reduced["candidate"] == ALL]
    if totals.empty:
        raise ValueError(f"feature-bias statistics lack the {ALL!r} rows (the overall RMS); rerun apply_filters")
    n_all = float(totals["n"].sum())
    ss_all = float(totals["yty"].sum())  # sum of a^2 over both surfaces
    rms_overall = float(np.sqrt(ss_all / n_all)) if n_all > 0 else float("nan")
    rows = []
    for r in reduced[reduced["candidate"] != ALL].itertuples(index=False):
        n = r.n
        if n < 10:
            continue
        xtx = np.array([[getattr(r, f"xtx{i}{j}") for j in range(3)] for i in range(3)])
        xty = np.array([getattr(r, f"xty{i}") for i in range(3)])
        mean = r.xty0 / n
        sse0 = max(r.yty - n * mean**2, 0.0)  # about the mean: intercept-only model
        beta_p, sse_p = _solve(xtx, xty, r.yty, n)
        bl, sse_l = _solve(_LINEAR.T @ xtx @ _LINEAR, _LINEAR.T @ xty, r.yty, n)
        row = {"candidate": r.candidate, "surface": int(r.surface), "breakpoint": r.breakpoint, "n": int(n),
               "mean_anomaly": mean, "linear_intercept": bl[0], "linear_slope": bl[1],
               "piecewise_intercept": beta_p[0], "slope_below": beta_p[1], "slope_above": beta_p[2],
               "rms_before_surface": float(np.sqrt(sse0 / n)), "rms_before_overall": rms_overall}
        for model, sse in (("linear", sse_l), ("piecewise", sse_p)):
            rs = float(np.sqrt(sse / n))
            ro = float(np.sqrt(max(ss_all - (sse0 - sse), 0.0) / n_all))
            row[f"rms_{model}_surface"] = rs
            row[f"rms_{model}_overall"] = ro
            row[f"reduction_{model}_surface"] = 1.0 - rs / row["rms_before_surface"] if sse0 > 0 else 0.0
            row[f"reduction_{model}_overall"] = 1.0 - ro / rms_overall if rms_overall > 0 else 0.0
        rows.append(row)
    fits = pd.DataFrame(rows)
    if fits.empty:
        return fits
    scope = options["rms_scope"]
    fits["rms_scope"] = scope
    fits["rms_before"] = fits[f"rms_before_{scope}"]
    for model in ("linear", "piecewise"):
        fits[f"rms_{model}"] = fits[f"rms_{model}_{scope}"]
        fits[f"reduction_{model}"] = fits[f"reduction_{model}_{scope}"]

    # Breakpoint: the fixed one where given (else, for a linear fit, the first listed: a line's
    # slope does not depend on it), or the lowest RMS after the piecewise fit.
    has_fixed = fits["candidate"].map(lambda c: c in fixed).to_numpy()
    if options["breakpoint"] == "fixed":
        at_fixed = has_fixed & (fits["breakpoint"].to_numpy() == fits["candidate"].map(fixed).to_numpy())
        missing = sorted(set(fits["candidate"][has_fixed]) - set(fits["candidate"][at_fixed]))
        if missing:
            raise ValueError(f"feature_bias.fixed_breakpoints: no statistics at the fixed breakpoint of {missing}; "
                             "rerun apply_filters with this config")
        first = fits.groupby(["candidate", "surface"])["breakpoint"].transform("min").to_numpy() == fits["breakpoint"].to_numpy()
        best = fits[at_fixed | (~has_fixed & first)]
    else:
        best = fits.loc[fits.groupby(["candidate", "surface"])["rms_piecewise"].idxmin()]
    best = best.reset_index(drop=True)
    piecewise_ok = best["candidate"].map(lambda c: c in fixed).to_numpy() | (options["breakpoint"] == "search")
    if options["model"] == "piecewise":
        use_piecewise = piecewise_ok
    elif options["model"] == "linear":
        use_piecewise = np.zeros(len(best), dtype=bool)
    else:  # select: the linear fit unless the piecewise one adds select_min_gain x the criterion
        gain = best["reduction_piecewise"] - best["reduction_linear"]
        use_piecewise = piecewise_ok & (gain >= float(options["select_min_gain"]) * min_red).to_numpy()
    best["model"] = np.where(use_piecewise, "piecewise", "linear")
    best["reduction"] = np.where(use_piecewise, best["reduction_piecewise"], best["reduction_linear"])
    best["rms_after"] = np.where(use_piecewise, best["rms_piecewise"], best["rms_linear"])
    best["passes"] = best["reduction"] >= min_red
    rank = best.groupby("surface")["reduction"].rank(ascending=False, method="first")
    best["accepted"] = best["passes"] & (rank <= int(options["max_corrections_per_surface"]))
    return best.sort_values(["accepted", "reduction"], ascending=False).reset_index(drop=True)


def correction(fit: dict, f) -> np.ndarray:
    """The fitted feature-dependent bias (ppb) at feature values f, zero at the breakpoint, to be
    subtracted from XCO (the intercept is not applied; see the module docstring)."""
    f = np.asarray(f, dtype=np.float64)
    b = fit["breakpoint"]
    if fit["model"] == "piecewise":
        # The columns of basis(f, b) used here, without building the (n, 3) basis: the same
        # values, 0.8 s less a month in sra2 and in correct (issue 22).
        d = f - b
        return fit["slope_below"] * np.minimum(d, 0.0) + fit["slope_above"] * np.maximum(d, 0.0)
    return fit["linear_slope"] * (f - b)


def apply_accepted(df: pd.DataFrame, accepted: list[dict]) -> np.ndarray:
    """Sum of the accepted corrections for each sounding (0 where none applies or f is NaN)."""
    total = np.zeros(len(df))
    surface = df["surface"].to_numpy()
    for fit in accepted:
        m = surface == fit["surface"]
        c = correction(fit, filters.field_values(df, fit["candidate"]))
        total += np.where(m & np.isfinite(c), c, 0.0)
    return total
