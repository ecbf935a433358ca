"""Statistics of the TCCON validation (H19 Sect. 4 and App. A; docs/methods.md sect. 1-3).

- :func:`york`: York et al. (2004, Am. J. Phys. 72, 367) straight-line fit with errors in x and
  y and their correlation (H19 Fig. 5), with York-2004 standard errors and the reduced
  chi-square (MSWD).
- :func:`weighted_mean`, :func:`gatz_smith_sem`: 1/err^2 weighted mean (H19 Eq. A2) and the
  Gatz & Smith (1995) standard error of a weighted mean (H19 Eq. A3, with its square root).
- :func:`theil_sen`: Theil-Sen slope with Sen's (1968) confidence interval (H19 Sect. 4.3).
- :func:`percent_bias`: 100 (a + (b - 1) X) / X at reference columns (H19 Fig. 5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class YorkFit:
    slope: float
    intercept: float
    slope_err: float  # York 2004 standard errors (not scaled by the MSWD)
    intercept_err: float
    reduced_chi2: float  # S / (n - 2), the MSWD
    n: int
    iterations: int

    def percent_bias(self, x) -> np.ndarray:
        return percent_bias(self.intercept, self.slope, x)


def york(x, y, sigma_x, sigma_y, r=0.0, tol=1e-15, max_iter=1000) -> YorkFit:
    """York et al. (2004) Sect. III, steps 1-10: best straight line y = a + b x with errors.

    W, the means and beta are recomputed at the final slope (step 7); docs/methods.md sect. 1.

    Parameters
    ----------
    x, y : array_like (n,)
        The points, in the same units (satcol: TCCON and satellite columns, ppb).
    sigma_x, sigma_y : float or array_like (n,)
        1-sigma errors of x and y, units of x and y.
    r : float or array_like (n,)
        Correlation of the x and y errors per point (unitless, -1..1).
    tol : float
        Convergence tolerance on the relative change of the slope.
    max_iter : int
        Iteration limit.

    Returns
    -------
    YorkFit
        ``slope`` (unitless), ``intercept`` (units of y), their York-2004 standard errors (not
        scaled by the MSWD), ``reduced_chi2`` (the MSWD, S / (n - 2)), ``n`` and ``iterations``.

    References
    ----------
    York, D., Evensen, N. M., Martinez, M. L. and De Basabe Delgado, J. (2004), Am. J. Phys. 72,
    367, doi:10.1119/1.1632486.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    n = x.size
    if n < 3 or y.size != n:
        raise ValueError(f"york: need at least 3 points with matching x and y (got {n}, {y.size})")
    sx = np.broadcast_to(np.asarray(sigma_x, dtype=np.float64), x.shape)
    sy = np.broadcast_to(np.asarray(sigma_y, dtype=np.float64), x.shape)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y)) and np.all(sx > 0) and np.all(sy > 0)):
        raise ValueError("york: x, y must be finite and sigma_x, sigma_y positive")
    r = np.broadcast_to(np.asarray(r, dtype=np.float64), x.shape)
    wx, wy = 1.0 / sx**2, 1.0 / sy**2
    alpha = np.sqrt(wx * wy)

    def terms(b):
        W = wx * wy / (wx + b * b * wy - 2.0 * b * r * alpha)
        xbar, ybar = np.sum(W * x) / W.sum(), np.sum(W * y) / W.sum()
        U, V = x - xbar, y - ybar
        beta = W * (U / wy + b * V / wx - (b * U + V) * r / alpha)
        return W, xbar, ybar, U, V, beta

    b = np.polyfit(x, y, 1)[0]  # step 1: OLS
    iterations = 0
    while iterations < max_iter:  # steps 3-6
        iterations += 1
        W, xbar, ybar, U, V, beta = terms(b)
        b_new = np.sum(W * beta * V) / np.sum(W * beta * U)
        converged = abs(b_new - b) < tol * max(1.0, abs(b_new))
        b = b_new
        if converged:
            break
    W, xbar, ybar, U, V, beta = terms(b)  # step 7
    a = ybar - b * xbar
    xadj = xbar + beta  # step 8
    xbar_adj = np.sum(W * xadj) / W.sum()  # step 9
    u = xadj - xbar_adj
    sb2 = 1.0 / np.sum(W * u * u)  # step 10
    sa2 = 1.0 / W.sum() + xbar_adj**2 * sb2
    S = float(np.sum(W * (y - b * x - a) ** 2))
    return YorkFit(float(b), float(a), float(np.sqrt(sb2)), float(np.sqrt(sa2)), S / (n - 2), n, iterations)


def percent_bias(intercept, slope, x) -> np.ndarray:
    """Percent bias of the fitted line at reference value(s) x: 100 (a + (b - 1) x) / x (H19 Fig. 5).

    Parameters
    ----------
    intercept : float
        a, units of x (ppb).
    slope : float
        b, unitless.
    x : float or array_like
        Reference column(s), ppb (H19 quote 50, 75, 100 and 150 ppb).

    Returns
    -------
    numpy.ndarray
        The bias of y over x at ``x``, percent.
    """
    x = np.asarray(x, dtype=np.float64)
    return 100.0 * (intercept + (slope - 1.0) * x) / x


def weighted_mean(values, errors) -> float:
    """H19 Eq. A2: sum(w y) / sum(w) with w = 1/err^2.

    Parameters
    ----------
    values, errors : array_like (n,)
        Values and their 1-sigma errors, same units (ppb).

    Returns
    -------
    float
        The weighted mean, units of ``values``.
    """
    y = np.asarray(values, dtype=np.float64)
    w = 1.0 / np.asarray(errors, dtype=np.float64) ** 2
    return float(np.sum(w * y) / np.sum(w))


def gatz_smith_sem(values, errors) -> float:
    """Standard error of the weighted mean, H19 Eq. A3 (Gatz & Smith 1995; Cochran 1977):

        SEM^2 = n / (n - 1) * sum(w_i^2 (y_i - ybar)^2) / (sum w_i)^2,   w = 1/err^2.

    Parameters
    ----------
    values, errors : array_like (n,)
        Values and their 1-sigma errors, same units (ppb).

    Returns
    -------
    float
        The standard error of the weighted mean, units of ``values``; NaN for fewer than two
        values.

    References
    ----------
    Gatz, D. F. and Smith, L. (1995), Atmos. Environ. 29, 1185, doi:10.1016/1352-2310(94)00210-C.
    """
    y = np.asarray(values, dtype=np.float64)
    n = y.size
    if n < 2:
        return float("nan")
    w = 1.0 / np.asarray(errors, dtype=np.float64) ** 2
    ybar = np.sum(w * y) / np.sum(w)
    return float(np.sqrt(n / (n - 1) * np.sum(w * w * (y - ybar) ** 2) / np.sum(w) ** 2))


def grouped_weighted_stats(group, values, errors):
    """H19 Eqs. A2/A3 per group id, vectorised over all groups at once.

    Parameters
    ----------
    group : array_like of int (n,)
        Group id of each value (e.g. day x surface).
    values, errors : array_like (n,)
        Values and their 1-sigma errors, same units (ppb).

    Returns
    -------
    groups, count, mean, sem : numpy.ndarray (k,)
        The unique group ids (sorted), the number of values in each, the weighted mean
        (:func:`weighted_mean`) and the Gatz-Smith SEM (:func:`gatz_smith_sem`; NaN for a
        group of one), units of ``values``.
    """
    group = np.asarray(group)
    keys, g = np.unique(group, return_inverse=True)
    g = g.ravel()
    y = np.asarray(values, dtype=np.float64)
    w = 1.0 / np.asarray(errors, dtype=np.float64) ** 2
    k = keys.size
    n = np.bincount(g, minlength=k).astype(np.float64)
    sw = np.bincount(g, w, k)
    mean = np.bincount(g, w * y, k) / sw
    dev2 = np.bincount(g, w * w * (y - mean[g]) ** 2, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        sem = np.where(n > 1, np.sqrt(n / (n - 1) * dev2 / sw**2), np.nan)
    return keys, n.astype(np.int64), mean, sem


@dataclass(frozen=True)
class TheilSen:
    slope: float
    intercept: float
    low: float
    high: float
    alpha: float

    @property
    def half_width(self) -> float:
        """(high - low) / 2: H19 quote the drift as slope +- this (docs/methods.md sect. 3)."""
        return 0.5 * (self.high - self.low)


def _tie_term(v) -> float:
    _, t = np.unique(v, return_counts=True)
    t = t[t > 1].astype(np.float64)
    return float(np.sum(t * (t - 1) * (2 * t + 5)))


def theil_sen(y, x, alpha=0.95) -> TheilSen:
    """Theil-Sen slope (median of pairwise slopes, pairs with x_j > x_i), intercept
    median(y) - slope median(x), and Sen's (1968, Eq. 2.6) confidence interval at level ``alpha``
    with ties corrected in x and y (as scipy.stats.theilslopes(method='separate')); H19 Sect. 4.3,
    docs/methods.md sect. 3.

    Parameters
    ----------
    y : array_like (n,)
        Values (satcol: satellite/TCCON ratio or difference per day).
    x : array_like (n,)
        Abscissae (satcol: time in years).
    alpha : float
        Confidence level of the interval (0.95: 95 %).

    Returns
    -------
    TheilSen
        ``slope`` (units of y per unit x), ``intercept`` (units of y), the interval ``low``,
        ``high`` of the slope and ``alpha``.

    References
    ----------
    Sen, P. K. (1968), J. Am. Stat. Assoc. 63, 1379, doi:10.1080/01621459.1968.10480934.
    """
    y = np.asarray(y, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    n = x.size
    if n < 2:
        raise ValueError("theil_sen: need at least 2 finite points")
    i, j = np.triu_indices(n, 1)
    dx = x[j] - x[i]
    keep = dx != 0  # (y_j - y_i) / (x_j - x_i) is the same for either order of a pair
    slopes = (y[j] - y[i])[keep] / dx[keep]
    slopes.sort()
    slope = float(np.median(slopes))
    intercept = float(np.median(y) - slope * np.median(x))
    a = 1.0 - alpha if alpha > 0.5 else alpha
    from scipy.special import ndtri  # here, not at import: scipy costs 0.2-0.5 s per job (issue #7)

    z = ndtri(a / 2.0)
    sigma = np.sqrt((n * (n - 1) * (2 * n + 5) - _tie_term(x) - _tie_term(y)) / 18.0)
    N = slopes.size
    ru = int(min(np.round((N - z * sigma) / 2.0), N - 1))
    rl = int(max(np.round((N + z * sigma) / 2.0) - 1, 0))
    return TheilSen(slope, intercept, float(slopes[rl]), float(slopes[ru]), float(alpha))
