"""Methods 0, II and III: identities that hold exactly for a known truth (derivations in
satcol.validation.akcompare and docs/methods.md sect. 5)."""

import numpy as np
import pytest

from satcol.instruments.mopitt import levels
from satcol.validation import akcompare as comparison
from satcol.validation import regrid as columns

N = 6
rng = np.random.default_rng(4)
PSURF = np.array([1012.0, 1003.0, 955.0, 870.0, 790.0, 1008.0])
P_T = PSURF + np.array([0.0, 8.0, -6.0, 15.0, -20.0, 0.0])
Z = np.arange(0.0, 71.0)
P_PRIOR = 1013.25 * np.exp(-Z / 7.6)[None, :].repeat(N, 0)
VALID = levels.valid_levels(PSURF)


def truth_profile(p, scale=1.0):
    """A smooth CO profile (ppb) on pressure p, higher near the surface."""
    return scale * (60.0 + 60.0 * np.exp(-(1013.0 - p) / 180.0) + 10.0 * np.exp(-((p - 300.0) / 120.0) ** 2))


def kernels():
    i, j = np.indices((10, 10))
    A = 0.12 * np.eye(10) + 0.06 * np.exp(-np.abs(i - j) / 2.5)
    return np.where(VALID[:, :, None] & VALID[:, None, :], A[None], 0.0)


def mopitt_layers(profile_fn):
    bottom, top = columns.mopitt_layer_edges(PSURF, PSURF)
    ok = np.isfinite(bottom)
    p = np.linspace(1, 1100, 20000)[None].repeat(N, 0)
    m = columns.levels_to_layer_means(p[:, ::-1], profile_fn(p[:, ::-1]), np.where(ok, bottom, 1000), np.where(ok, top, 900))
    return np.where(ok, m, np.nan)


def retrieve(x_true, x_a, A, g=1.0):
    lx = np.nan_to_num(np.log10(x_true) - np.log10(x_a))
    return g * 10 ** (np.log10(x_a) + np.einsum("nij,nj->ni", A, lx))


def test_method_ii_recovers_the_global_scale_when_tccon_sees_a_scaled_prior():
    """Truth = gamma x_aT; a scaling retrieval reports gamma c_aT; MOPITT = g x (its own retrieval
    of that truth from prior x_aM). Exact method II then gives y / x = g for every sounding,
    whatever A, x_aM and the surface-pressure difference."""
    g, gamma = 1.064, 1.08
    A = kernels()
    x_prior = truth_profile(P_PRIOR)
    x_at_layers = columns.tccon_prior_on_mopitt_layers(PSURF, P_T, *columns.tccon_levels(P_T, P_PRIOR, x_prior))
    x_a = np.where(VALID, 0.8 * x_at_layers + 15.0, np.nan)  # a different MOPITT prior
    x_hat = retrieve(gamma * x_at_layers, x_a, A, g)
    p_lev, x_lev = columns.tccon_levels(P_T, P_PRIOR, x_prior)
    xco_t = gamma * columns.tccon_prior_column(p_lev, x_lev)
    y, x = comparison.method_ii(x_hat, x_a, A, PSURF, P_T, P_PRIOR, x_prior, xco_t, exact=True)
    np.testing.assert_allclose(y / x, g, rtol=1e-10)
    yl, xl = comparison.method_ii(x_hat, x_a, A, PSURF, P_T, P_PRIOR, x_prior, xco_t, exact=False)
    np.testing.assert_allclose(yl / xl, g, rtol=5e-3)  # linearised: close, not exact


def test_method_0_at_equal_surface_pressure_is_the_mopitt_column():
    x_hat = np.where(VALID, 100.0, np.nan)
    y, x = comparison.method_0(x_hat, PSURF, PSURF, np.full(N, 95.0))
    np.testing.assert_allclose(y, 100.0 * (1 - 26.0 / PSURF), rtol=1e-12)
    np.testing.assert_allclose(x, 95.0)


def test_method_iii_is_an_identity_when_the_truth_is_the_mopitt_prior():
    """Truth = x_aM on TCCON levels, MOPITT retrieves its prior: y = x exactly."""
    A = kernels()
    x_a = mopitt_layers(truth_profile)
    x_prior = 0.9 * truth_profile(P_PRIOR) + 5.0
    p_lev, x_lev = columns.tccon_levels(P_T, P_PRIOR, x_prior)
    x_am = columns.mopitt_on_tccon_levels(x_a, PSURF, p_lev)
    h = columns.tccon_column_weights(p_lev)
    p_ak = P_PRIOR
    ak = 0.7 + 0.6 * (1 - P_PRIOR / 1013.25)
    order = np.argsort(p_ak, axis=-1)
    a_t = columns.interp_rows(p_lev, np.take_along_axis(p_ak, order, -1), np.take_along_axis(ak, order, -1))
    c_t = columns.column(h, x_lev) + columns.column(h, a_t * (x_am - x_lev))  # TCCON seeing the truth
    y, x = comparison.method_iii(retrieve(x_a, x_a, A), x_a, PSURF, P_T, P_PRIOR, x_prior, p_ak, ak, c_t)
    np.testing.assert_allclose(y, x, rtol=1e-12)


def test_mopitt_on_tccon_levels_conserves_layer_means():
    x_layers = mopitt_layers(truth_profile)
    p_fine = np.linspace(1100.0, 0.5, 6000)[None].repeat(N, 0)
    prof = columns.mopitt_on_tccon_levels(x_layers, PSURF, p_fine)
    bottom, top = columns.mopitt_layer_edges(PSURF, PSURF)
    ok = np.isfinite(bottom)
    back = columns.levels_to_layer_means(p_fine, prof, np.where(ok, bottom, 1000), np.where(ok, top, 900))
    np.testing.assert_allclose(back[ok], x_layers[ok], rtol=2e-4)


def test_tccon_levels_start_at_the_site_surface():
    p, x = columns.tccon_levels(np.array([800.0]), P_PRIOR[:1], truth_profile(P_PRIOR[:1]))
    assert p[0, 0] == 800.0 and np.all(np.diff(p[0]) <= 0) and np.isfinite(p).all()
    assert x[0, 0] == pytest.approx(np.interp(np.log(800.0), np.log(P_PRIOR[0, ::-1]), truth_profile(P_PRIOR[0, ::-1])))
    assert columns.tccon_column_weights(p).sum() == pytest.approx(1.0)
