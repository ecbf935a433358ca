"""A linear optimal-estimation retrieval of log10(CO VMR) on the MOPITT grid (Rodgers 2000).

State: log10 VMR at the 10 MOPITT level slots (surface + 900..100 hPa; slots below the surface
are not retrieved). Three effective channels stand for MOPITT's TIR 5A, NIR 6A and TIR 7A
signals; each Jacobian row is a weighting function scaled by the channel SNR, so the
measurement-error covariance is the identity in these units. For each sounding:

    S_hat = (K^T K + S_a^-1)^-1,  A = S_hat K^T K,  G = S_hat K^T
    S_meas = G G^T,  S_smooth = (A - I) S_a (A - I)^T   (S_hat = S_meas + S_smooth)
    log10 x_hat = log10 x_a + A (log10 x - log10 x_a) + G eps_y,   eps_y ~ N(0, I)

which is H19 Eq. 1 with the retrieval linear in log10 VMR. Everything is batched over
soundings (no per-sounding Python).
"""

from __future__ import annotations

import numpy as np

from satcol.instruments.mopitt import levels

#: Prior standard deviation of log10 VMR and its correlation length in pressure.
PRIOR_SIGMA_LOG10 = 0.046
PRIOR_CORRELATION_HPA = 180.0
#: Gauss-Legendre nodes for layer means of the truth and prior.
_GL_X, _GL_W = np.polynomial.legendre.leggauss(4)


def layer_bounds(psurf):
    """Bottom and top pressure (hPa) of the layer above each level slot; NaN where dropped.

    The retrieved value of the 100 hPa slot represents the 100-50 hPa layer.
    """
    p = levels.level_pressures(psurf)
    valid = np.isfinite(p)
    top = np.full_like(p, np.nan)
    top[..., 1:9] = p[..., 1:9] - 100.0
    top[..., 9] = 50.0
    first_fixed = np.where(valid[..., 1:], p[..., 1:], -np.inf).max(axis=-1)
    top[..., 0] = first_fixed
    top = np.where(valid, top, np.nan)
    return p, top


def layer_means(fn, lat, lon, t, psurf):
    """Pressure-weighted mean of ``fn(lat, lon, t, p, psurf)`` over each MOPITT layer (ppb)."""
    bottom, top = layer_bounds(psurf)
    b = np.where(np.isfinite(bottom), bottom, 500.0)
    tp = np.where(np.isfinite(top), top, 450.0)
    out = layer_means_between(fn, lat, lon, t, psurf, b, tp)
    return np.where(np.isfinite(bottom), out, np.nan)


def layer_means_between(fn, lat, lon, t, psurf, bottom, top):
    """Pressure-weighted mean of ``fn(lat, lon, t, p, psurf)`` over layers [bottom, top] (n, K)
    by 4-point Gauss-Legendre quadrature in pressure."""
    mid = 0.5 * (bottom + top)
    half = 0.5 * (bottom - top)
    nodes = mid[..., None] + half[..., None] * _GL_X  # (n, K, 4)
    n = nodes.shape[0]
    vals = fn(lat, lon, t, nodes.reshape(n, -1), psurf).reshape(nodes.shape)
    return 0.5 * np.sum(vals * _GL_W, axis=-1)


def prior_covariance(psurf):
    """S_a (n, 10, 10) in log10 VMR; dropped slots are decoupled with unit variance."""
    p = levels.level_pressures(psurf)
    valid = np.isfinite(p)
    pp = np.where(valid, p, 0.0)
    corr = np.exp(-np.abs(pp[:, :, None] - pp[:, None, :]) / PRIOR_CORRELATION_HPA)
    both = valid[:, :, None] & valid[:, None, :]
    sa = np.where(both, PRIOR_SIGMA_LOG10**2 * corr, 0.0)
    eye = np.eye(levels.N_LEVELS, dtype=bool)[None]
    sa = np.where(eye & ~both, 1.0, sa)
    return sa


def weighting_functions(psurf, thermal_contrast):
    """Channel weighting functions (n, 3, 10): fractional radiance change per unit log10 VMR.

    TIR 5A peaks in the mid troposphere and gains near-surface sensitivity with thermal
    contrast; TIR 7A peaks higher; NIR 6A sees the column (pressure-thickness weighted).
    """
    p = levels.level_pressures(psurf)
    valid = np.isfinite(p)
    pp = np.where(valid, p, 0.0)
    dp = levels.layer_thickness(psurf) / 100.0
    ps = np.asarray(psurf)[:, None]
    tc = np.clip(np.asarray(thermal_contrast), 0.0, None)[:, None]
    near_surface = np.exp(-(ps - pp) / 120.0)
    w5 = 0.0125 * dp * (np.exp(-(((pp - 650.0) / 260.0) ** 2)) + 0.16 * tc * near_surface)
    w7 = 0.0090 * dp * (np.exp(-(((pp - 420.0) / 230.0) ** 2)) + 0.03 * tc * near_surface)
    w6 = 0.0260 * dp
    w = np.stack([w5, w6, w7], axis=1)
    return np.where(valid[:, None, :], w, 0.0)


def optimal_estimation(K, sa):
    """Batched OE diagnostics: returns S_hat, A, G, S_meas, S_smooth (Rodgers 2000, ch. 3)."""
    sa_inv = np.linalg.inv(sa)
    kt = np.swapaxes(K, 1, 2)
    fisher = kt @ K
    s_hat = np.linalg.inv(fisher + sa_inv)
    s_hat = 0.5 * (s_hat + np.swapaxes(s_hat, 1, 2))
    A = s_hat @ fisher
    G = s_hat @ kt
    s_meas = G @ np.swapaxes(G, 1, 2)
    ami = A - np.eye(A.shape[-1])[None]
    s_smooth = ami @ sa @ np.swapaxes(ami, 1, 2)
    return s_hat, A, G, s_meas, s_smooth


def retrieve(log_x_true, log_x_prior, K, sa, rng):
    """Linear retrieval in log10 VMR with measurement noise; returns dict of results."""
    s_hat, A, G, s_meas, s_smooth = optimal_estimation(K, sa)
    eps_y = rng.standard_normal(K.shape[:2])
    dx = np.nan_to_num(log_x_true - log_x_prior)
    smoothed = log_x_prior + np.einsum("nij,nj->ni", A, dx)
    noise = np.einsum("nij,nj->ni", G, eps_y)
    return {
        "log_x_hat": smoothed + noise,
        "log_x_smoothed": smoothed,
        "A": A,
        "S_hat": s_hat,
        "S_meas": s_meas,
        "S_smooth": s_smooth,
        "dof": np.trace(A, axis1=1, axis2=2),
    }
