"""The ``vmr`` state space of the AK comparison (satcol.validation.akcompare; Rodgers and Connor
2003 Eqs. 10 and 25; docs/methods.md sect. 5): checked against a linear retrieval built here.

A VMR-state instrument that retrieves x_hat = x_a + A (x_t - x_a) of a truth x_t = gamma x_aT
(TCCON's prior scaled by its own scaling retrieval's gamma) must agree with TCCON exactly in
method II, whatever its own prior and kernel. Checked to fail: with the log10 algebra (today's
MOPITT branch) on that retrieval (off by ~0.3 %), and with the TCCON side smoothed about the
instrument's own prior instead of TCCON's (X = X_a + sum h a (x_t - x_a) after moving y to
the TCCON prior, the form in the dag branch's draft), which is off by sum (h - g)(x_aT - x_a).
"""

import numpy as np
import pytest

from satcol.instruments.mopitt import levels
from satcol.validation import akcompare, regrid

N = 6
PSURF = np.array([1012.0, 1003.0, 955.0, 870.0, 790.0, 1008.0])
P_T = PSURF + np.array([0.0, 8.0, -6.0, 15.0, -20.0, 0.0])
P_PRIOR = 1013.25 * np.exp(-np.arange(0.0, 71.0) / 7.6)[None, :].repeat(N, 0)
VALID = levels.valid_levels(PSURF)
GAMMA = np.array([1.08, 0.95, 1.02, 1.10, 0.90, 1.0])


def tccon_prior(p):
    """A smooth CO-like prior (ppb), higher near the surface."""
    return 60.0 + 60.0 * np.exp(-(1013.0 - p) / 180.0) + 10.0 * np.exp(-((p - 300.0) / 120.0) ** 2)


def kernel(n_levels, valid=None):
    i, j = np.indices((n_levels, n_levels))
    A = np.broadcast_to(0.12 * np.eye(n_levels) + 0.06 * np.exp(-np.abs(i - j) / 2.5), (N, n_levels, n_levels))
    if valid is None:
        return A.copy()
    return np.where(valid[:, :, None] & valid[:, None, :], A, 0.0)


def linear_retrieval(x_t, x_a, A):
    return x_a + np.einsum("nij,nj->ni", A, np.nan_to_num(x_t - x_a))


def test_vmr_method_ii_agrees_with_tccon_for_a_linear_retrieval():
    x_prior = tccon_prior(P_PRIOR)
    p_lev, x_lev = regrid.tccon_levels(P_T, P_PRIOR, x_prior)
    x_at = regrid.tccon_prior_on_mopitt_layers(PSURF, P_T, p_lev, x_lev)
    xco_t = GAMMA * regrid.tccon_prior_column(p_lev, x_lev)
    x_a = np.where(VALID, 0.8 * x_at + 15.0, np.nan)  # the instrument's own prior
    A = kernel(10, VALID)
    x_hat = np.where(VALID, linear_retrieval(GAMMA[:, None] * x_at, x_a, A), np.nan)

    y, x = akcompare.method_ii(x_hat, x_a, A, PSURF, P_T, P_PRIOR, x_prior, xco_t, state_space="vmr")
    np.testing.assert_allclose(y, x, rtol=1e-12)
    # a known bias of the retrieval comes through as that bias times the column weights' sum
    h = regrid.surface_adjusted_weights(PSURF, P_T)
    yb, xb = akcompare.method_ii(x_hat + 5.0, x_a, A, PSURF, P_T, P_PRIOR, x_prior, xco_t, state_space="vmr")
    np.testing.assert_allclose(yb - xb, 5.0 * np.sum(np.where(VALID, h, 0.0), axis=-1), rtol=1e-10)
    # the log10 algebra on the same linear retrieval does not agree (the check can fail)
    yl, xl = akcompare.method_ii(x_hat, x_a, A, PSURF, P_T, P_PRIOR, x_prior, xco_t)
    assert np.max(np.abs(yl / xl - 1.0)) > 1e-3


def test_an_unknown_state_space_is_refused():
    x_prior = tccon_prior(P_PRIOR)
    with pytest.raises(ValueError, match="state_space"):
        akcompare.method_ii(np.ones((N, 10)), np.ones((N, 10)), np.zeros((N, 10, 10)), PSURF, P_T, P_PRIOR,
                            x_prior, np.ones(N), state_space="log_vmr")


def own_levels():
    """A VMR instrument's 20 levels from its surface pressure to 1 hPa, surface first (hPa)."""
    return PSURF[:, None] ** (1.0 - np.linspace(0.0, 1.0, 20))[None, :]


def test_vmr_methods_on_the_instruments_own_levels():
    p_sat = own_levels()
    x_prior = tccon_prior(P_PRIOR)
    p_lev, x_lev = regrid.tccon_levels(P_T, P_PRIOR, x_prior)
    xgas_t = GAMMA * regrid.tccon_prior_column(p_lev, x_lev)
    x_at = regrid.log_pressure_interp(p_sat, p_lev, x_lev)
    x_a = 0.8 * x_at + 15.0
    A = kernel(20)
    x_hat = linear_retrieval(GAMMA[:, None] * x_at, x_a, A)
    h = levels.level_pressure_weights(p_sat)
    x_corr = np.sum(h * x_hat, axis=-1)
    ak = np.full_like(P_PRIOR, 0.9)
    assert np.all(x_corr > 50.0)
    res = akcompare.vmr_methods(x_corr, x_hat, x_a, A, p_sat, P_T, P_PRIOR, x_prior, P_PRIOR, ak, xgas_t)
    np.testing.assert_array_equal(res["method_0"][0], x_corr)
    np.testing.assert_array_equal(res["method_0"][1], xgas_t)
    y2, x2 = res["method_II"]
    np.testing.assert_allclose(y2, x2, rtol=1e-12)
    # smoothing TCCON about the instrument's own prior instead is off by sum (h - g)(x_aT - x_a)
    g = np.einsum("ni,nij->nj", h, A)
    x2_own_prior = np.sum(h * x_a, axis=-1) + np.sum(g * (GAMMA[:, None] * x_at - x_a), axis=-1)
    assert np.min(np.abs(y2 - x2_own_prior)) > 0.05  # ppb (0.1-1 ppb here; the agreement above is ~1e-11 ppb)


def test_vmr_methods_iii_for_constant_profiles():
    """Method III with profiles that every regridding carries exactly (constants): a TCCON
    retrieval X_T = c_aT + sum h_T a_T (k - x_aT) of a constant truth k, and an instrument that
    retrieves k perfectly, agree exactly: x = y = sum h_T a_T k + sum h_T (1 - a_T) x_a."""
    p_sat = own_levels()
    x_prior = tccon_prior(P_PRIOR)
    p_lev, x_lev = regrid.tccon_levels(P_T, P_PRIOR, x_prior)
    h_t = regrid.tccon_column_weights(p_lev)
    a_t = 0.7 + 0.5 * (p_lev < 500.0)  # a column AK > 1 aloft, as TCCON's
    p_ak = np.where(np.isfinite(p_lev), p_lev, 0.0)
    p_ak = p_ak + np.arange(p_ak.shape[1])[None, :] * 1e-9 * (p_ak == 0.0)  # distinct padded levels
    k, x_a_const = 95.0, 80.0
    xgas_t = regrid.column(h_t, x_lev) + regrid.column(h_t, a_t * (k - x_lev))
    x_hat, x_a = np.full(p_sat.shape, k), np.full(p_sat.shape, x_a_const)
    res = akcompare.vmr_methods(np.full(N, k), x_hat, x_a, np.zeros((N, 20, 20)), p_sat, P_T, P_PRIOR, x_prior,
                                p_ak, np.nan_to_num(a_t), xgas_t)
    y3, x3 = res["method_III"]
    np.testing.assert_allclose(y3, x3, rtol=1e-12)
    expect = regrid.column(h_t, a_t * k) + regrid.column(h_t, (1.0 - a_t) * x_a_const)
    np.testing.assert_allclose(y3, expect, rtol=1e-12)
