"""Validation statistics against published reference values (docs/methods.md sect. 1-3)."""

import numpy as np
import pytest
from scipy import stats as sps

from satcol.validation import stats

PEARSON_X = [0.0, 0.9, 1.8, 2.6, 3.3, 4.4, 5.2, 6.1, 6.5, 7.4]
PEARSON_Y = [5.9, 5.4, 4.4, 4.6, 3.5, 3.7, 2.8, 2.8, 2.4, 1.5]
YORK_WX = np.array([1000, 1000, 500, 800, 200, 80, 60, 20, 1.8, 1])
YORK_WY = np.array([1, 1.8, 4, 8, 20, 20, 70, 70, 100, 500])


def test_york_reproduces_the_published_pearson_york_values():
    """York et al. 2004 / R bfsl tests [P]: a, b, sigma_a, sigma_b, S/(n-2)."""
    f = stats.york(PEARSON_X, PEARSON_Y, YORK_WX**-0.5, YORK_WY**-0.5)
    assert f.intercept == pytest.approx(5.4799102240, abs=1e-9)
    assert f.slope == pytest.approx(-0.4805334074, abs=1e-9)
    assert f.intercept_err == pytest.approx(0.294970735, abs=1e-8)
    assert f.slope_err == pytest.approx(0.0579850090, abs=1e-9)
    assert f.reduced_chi2 == pytest.approx(1.483294149, abs=1e-8)
    # Cantrell (2008) scaled errors [P]
    assert f.intercept_err * np.sqrt(f.reduced_chi2) == pytest.approx(0.359246522551112, abs=1e-9)
    assert f.slope_err * np.sqrt(f.reduced_chi2) == pytest.approx(0.070620269528771, abs=1e-10)


def test_york_recovers_an_injected_line_with_correlated_errors():
    rng = np.random.default_rng(3)
    n = 4000
    xt = rng.uniform(50, 150, n)
    sx, sy, r = 2.0, 3.0, 0.5
    cov = [[sx**2, r * sx * sy], [r * sx * sy, sy**2]]
    e = rng.multivariate_normal([0, 0], cov, n)
    f = stats.york(xt + e[:, 0], 4.0 + 1.064 * xt + e[:, 1], sx, sy, r)
    assert f.slope == pytest.approx(1.064, abs=4 * f.slope_err)
    assert f.intercept == pytest.approx(4.0, abs=4 * f.intercept_err)
    assert f.reduced_chi2 == pytest.approx(1.0, abs=0.1)
    # Ignoring the correlation biases the slope (r > 0 and slope ~ 1).
    g = stats.york(xt + e[:, 0], 4.0 + 1.064 * xt + e[:, 1], sx, sy, 0.0)
    assert abs(g.slope - 1.064) > abs(f.slope - 1.064)


def test_york_rejects_bad_input():
    with pytest.raises(ValueError, match="sigma"):
        stats.york([1, 2, 3], [1, 2, 3], [1, 0, 1], 1)
    with pytest.raises(ValueError, match="at least 3"):
        stats.york([1, 2], [1, 2], 1, 1)


def test_percent_bias():
    assert stats.percent_bias(0.0, 1.064, [50, 100]) == pytest.approx([6.4, 6.4])
    assert stats.percent_bias(5.0, 1.0, 50) == pytest.approx(10.0)


def test_gatz_smith_reference_values():
    """docs/methods.md sect. 2 [D]: uniform weights give s/sqrt(n); the worked example."""
    assert stats.gatz_smith_sem([1, 2, 3, 4, 5], [1] * 5) == pytest.approx(0.70710678, abs=1e-8)
    y, e = [80, 85, 90, 78, 88], [3, 4, 2, 5, 3.5]
    assert stats.weighted_mean(y, e) == pytest.approx(86.20926170, abs=1e-8)
    assert stats.gatz_smith_sem(y, e) == pytest.approx(2.51888967, abs=1e-8)
    keys, n, mean, sem = stats.grouped_weighted_stats([7, 7, 7, 7, 7, 9], y + [1.0], e + [1.0])
    assert list(keys) == [7, 9] and list(n) == [5, 1]
    assert mean[0] == pytest.approx(86.20926170) and sem[0] == pytest.approx(2.51888967)
    assert np.isnan(sem[1])


def test_gatz_smith_agrees_with_a_bootstrap():
    """H19 checked Eq. A3 against a bootstrap; so do we (a few percent)."""
    rng = np.random.default_rng(11)
    err = rng.uniform(1, 6, 400)
    y = 100 + err * rng.standard_normal(400)
    boot = [stats.weighted_mean(y[i], err[i]) for i in rng.integers(0, 400, (2000, 400))]
    assert stats.gatz_smith_sem(y, err) == pytest.approx(np.std(boot), rel=0.06)


def test_theil_sen_matches_sen_1968_and_scipy():
    x = [1, 2, 3, 4, 10, 12, 18]
    y = [9, 15, 19, 20, 45, 55, 78]
    for alpha in (0.07, 0.93, 0.95):
        t = stats.theil_sen(y, x, alpha)
        assert (t.slope, t.intercept) == (4.0, 4.0)
        assert t.low == pytest.approx(3.7142857, abs=1e-7) and t.high == pytest.approx(4.375)
    t = stats.theil_sen([0, 1, 1], [0, 1, 2])
    assert (t.slope, t.intercept) == (0.5, 0.5)
    rng = np.random.default_rng(5)
    x = np.repeat(np.arange(30.0), 2)  # ties in x
    y = np.round(0.3 * x + rng.standard_normal(60), 1)  # ties in y
    ref = sps.theilslopes(y, x, 0.95, method="separate")
    t = stats.theil_sen(y, x, 0.95)
    np.testing.assert_allclose([t.slope, t.intercept, t.low, t.high],
                               [ref.slope, ref.intercept, ref.low_slope, ref.high_slope], rtol=1e-12)
