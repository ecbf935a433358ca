"""MOPITT pressure weights and level weights against docs/methods.md reference cases."""

import numpy as np
import pytest

from satcol.core import timeutil
from satcol.instruments.mopitt import levels


def test_level_pressures_drop_levels_below_surface():
    p = levels.level_pressures(np.array([1013.0, 850.0]))
    assert p[0, 0] == 1013.0 and np.isfinite(p[0]).all()
    # 900 hPa is below an 850 hPa surface: dropped; surface slot sits above it.
    assert np.isnan(p[1, 1]) and p[1, 2] == 800.0


@pytest.mark.parametrize("psurf", [1000.0, 950.0, 1013.25, 700.0])
def test_effective_weights_sum_to_one_minus_26_over_ps(psurf):
    # docs/methods.md sect. 4: 10 effective layers (74 hPa top) sum to 1 - 26/Ps.
    h = levels.pressure_weights(np.array([psurf]))
    assert h.sum() == pytest.approx(1.0 - 26.0 / psurf, abs=1e-12)


def test_xco_reference_case_methods_sect7():
    # docs/methods.md sect. 7 [D]: P_M = 1000, x = [150, 100 x 9] -> XCO = 102.4 ppb.
    x = np.array([[150.0] + [100.0] * 9])
    assert levels.column_average(x, np.array([1000.0]))[0] == pytest.approx(102.4, abs=1e-12)
    # Uniform 100 ppb: 100 (1 - 26/P) = 97.4 at 1000 hPa.
    assert levels.column_average(np.full((1, 10), 100.0), np.array([1000.0]))[0] == pytest.approx(97.4)


def test_level_weights_methods_example():
    # docs/methods.md sect. 4 [D] with q = 0 (dry weights): layers 200/200/200/200/100 hPa of 900.
    p = np.array([1000.0, 900.0, 700.0, 500.0, 300.0, 100.0])
    h = levels.level_pressure_weights(p)
    h_lay = np.array([100, 200, 200, 200, 200]) / 900.0
    expect = np.r_[h_lay[0] / 2, (h_lay[:-1] + h_lay[1:]) / 2, h_lay[-1] / 2]
    np.testing.assert_allclose(h, expect, rtol=0, atol=1e-15)
    assert h.sum() == pytest.approx(1.0, abs=1e-15)


def test_tai93_roundtrip_and_leap_seconds():
    import datetime as dt

    t = dt.datetime(2009, 1, 1, tzinfo=dt.timezone.utc).timestamp()
    # Seven leap seconds were inserted between 1993-01-01 and 2009-01-01 (IERS).
    assert timeutil.unix_to_tai93(t) - (t - timeutil.TAI93_EPOCH_UNIX) == 7
    ts = np.array([7.3e8, 1.0e9, 1.2e9, 1.5e9])
    np.testing.assert_array_equal(timeutil.tai93_to_unix(timeutil.unix_to_tai93(ts)), ts)
