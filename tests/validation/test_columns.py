"""Column physics against the reference cases of docs/methods.md sect. 4-7."""

import numpy as np
import pytest

from satcol.instruments.mopitt import levels
from satcol.validation import akcompare
from satcol.validation import regrid as columns

H_TEST = np.r_[[0.1] * 9, 0.074]
XA_TEST = np.array([120, 110, 100, 95, 90, 85, 80, 75, 70, 60.0])
ROW, COL = np.indices((10, 10))
A_TEST = 0.15 * np.eye(10) + 0.05 * np.exp(-np.abs(ROW - COL) / 2)
XTRUE_TEST = XA_TEST * np.array([1.3, 1.2, 1.1, 1.05, 1, 1, 0.95, 0.95, 0.9, 0.9])


def xhat_of(log_x):
    return 10 ** (np.log10(XA_TEST) + A_TEST @ (log_x - np.log10(XA_TEST)))


@pytest.mark.parametrize("psurf", [1013.25, 1000.0, 870.0, 640.0])
def test_physical_layer_weights_sum_to_one(psurf):
    h = columns.physical_layer_weights(np.array([psurf]))
    assert h.sum() == pytest.approx(1.0, abs=1e-14)
    # With the 50-0 hPa layer at 0.48 x the 100 hPa VMR, the 10 effective weights give the same column.
    x = np.r_[np.linspace(150, 80, 10)]
    x = np.where(levels.valid_levels(np.array([psurf]))[0], x, np.nan)
    x11 = np.r_[x, 0.48 * x[9]]
    assert columns.column(h[0], x11) == pytest.approx(levels.column_average(x[None], np.array([psurf]))[0])


def test_column_ak_matches_reference_and_finite_difference():
    """docs/methods.md sect. 5 [D]: reference values and a central finite difference (8e-9)."""
    xhat = xhat_of(np.log10(XTRUE_TEST))
    a = akcompare.column_averaging_kernel(A_TEST, xhat, H_TEST)
    ref = [7.669914, 7.845822, 7.613473, 7.385281, 7.034182, 6.626690, 6.122076, 5.563263, 4.870758, 3.335648]
    np.testing.assert_allclose(a, ref, atol=1e-6)
    eps = 1e-6
    fd = []
    for j in range(10):
        d = np.zeros(10)
        d[j] = eps
        lx = np.log10(XTRUE_TEST)
        fd.append((H_TEST @ xhat_of(lx + d) - H_TEST @ xhat_of(lx - d)) / (2 * eps))
    np.testing.assert_allclose(a, fd, atol=1e-7)
    # A = I and x_hat = x_a: the unitless column AK is 1 everywhere (H19 Eq. B3).
    a_id = akcompare.column_averaging_kernel(np.eye(10), XA_TEST, H_TEST)
    np.testing.assert_allclose(akcompare.unitless_column_ak(a_id, H_TEST, XA_TEST), 1.0, atol=1e-14)


@pytest.mark.parametrize("pt, expect", [(1000, 102.4), (950, 99.894737), (1050, 104.666667), (850, 96.941176),
                                        (700, 96.285714)])
def test_surface_pressure_adjustment_reference_cases(pt, expect):
    """docs/methods.md sect. 7 [D]: P_M = 1000 hPa, x = [150, 100 x 9]."""
    h = columns.surface_adjusted_weights(np.array([1000.0]), np.array([float(pt)]))
    x = np.array([[150.0] + [100.0] * 9])
    assert columns.column(h, x)[0] == pytest.approx(expect, abs=1e-6)


def test_surface_adjustment_is_identity_at_the_sounding_pressure():
    ps = np.array([1013.0, 955.0, 812.0, 600.0])
    np.testing.assert_allclose(columns.surface_adjusted_weights(ps, ps), levels.pressure_weights(ps), atol=1e-15)


def test_sub_layer_averaging_reference_case():
    """docs/methods.md sect. 6a [D]: the 900-800 hPa layer average is the trapezoid value 87.75."""
    p = np.array([1000, 950, 900, 850, 800.0])
    x = np.array([100, 96, 90, 88, 85.0])
    m = columns.levels_to_layer_means(p[None], x[None], np.array([[900.0, 1000.0]]), np.array([[800.0, 900.0]]))
    assert m[0, 0] == pytest.approx(87.75, abs=1e-12)
    assert m[0, 1] == pytest.approx(np.trapezoid(x[:3][::-1], p[:3][::-1]) / 100.0, abs=1e-12)


EDGES = np.r_[1013.0, np.arange(900.0, -1.0, -100.0)]


def test_mass_conserving_regrid_recovers_linear_profiles_exactly():
    centres = 0.5 * (EDGES[:-1] + EDGES[1:])
    widths = EDGES[:-1] - EDGES[1:]
    means = 50 + 0.05 * centres  # the layer mean of a linear g(p) is g(centre)
    np.testing.assert_allclose(columns.layer_means_to_levels(widths, means), means, atol=1e-12)


def test_mass_conserving_regrid_conserves_layer_means():
    """docs/methods.md sect. 6b [D]: g(p) = 60 + 40 exp(-(1013 - p)/150)."""
    centres = 0.5 * (EDGES[:-1] + EDGES[1:])
    widths = EDGES[:-1] - EDGES[1:]
    a, b = EDGES[:-1], EDGES[1:]  # exact layer means of g
    means = 60 + 40 * 150 * (np.exp(-(1013 - a) / 150) - np.exp(-(1013 - b) / 150)) / (a - b)
    np.testing.assert_allclose(means, [88.099401, 73.744836, 67.056834, 63.623099, 61.860161, 60.955039,
                                       60.490333, 60.251745, 60.129250, 60.066359], atol=2e-6)
    knots = columns.layer_means_to_levels(widths, means)
    np.testing.assert_allclose(knots, [88.099401, 72.678979, 66.726564, 63.416309, 61.760378, 60.902716,
                                       60.463638, 60.238123, 60.121587, 60.066359], atol=2e-6)
    back = columns.piecewise_linear_layer_means(EDGES, centres, knots)
    np.testing.assert_allclose(back, means, atol=1e-10)


def test_interp_rows_matches_numpy_interp():
    rng = np.random.default_rng(2)
    xo = np.sort(rng.uniform(0, 1100, (50, 30)), axis=1)
    yo = rng.normal(size=(50, 30))
    xn = rng.uniform(-50, 1200, (50, 17))
    out = columns.interp_rows(xn, xo, yo)
    ref = np.array([np.interp(xn[i], xo[i], yo[i]) for i in range(50)])
    np.testing.assert_allclose(out, ref, atol=1e-12)


def test_change_of_prior_is_exact_for_a_linear_retrieval():
    """Rodgers & Connor (2003): moving x_hat to prior x_c equals retrieving with prior x_c."""
    xc = XA_TEST * 1.1
    xhat = xhat_of(np.log10(XTRUE_TEST))
    direct = 10 ** (np.log10(xc) + A_TEST @ (np.log10(XTRUE_TEST) - np.log10(xc)))
    np.testing.assert_allclose(akcompare.change_of_prior_log(xhat, A_TEST, XA_TEST, xc), direct, rtol=1e-12)
