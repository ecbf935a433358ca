"""The synthetic OSSE: realistic density and diagnostics; injected truth drives the retrievals."""

import datetime as dt

import numpy as np
import pytest
from helpers import small_config

from satcol.synthetic import calendar, mopitt

DAY = dt.date(2009, 7, 16)


def simulate(forward_model_error_ppb=0.0, correlated_error_ppb=0.0, **truth):
    forward_model_error_ppb = max(forward_model_error_ppb, correlated_error_ppb)
    cfg = small_config(truth=truth, forward_model_error_ppb=forward_model_error_ppb,
                       correlated_error={"sigma_ppb": correlated_error_ppb})
    fields, t = mopitt.simulate_day(DAY, cfg["synthetic"])
    xco = 1e9 * fields["RetrievedCOTotalColumn"][:, 0] / fields["DryAirColumn"]
    return fields, t, xco


ZERO = {"1": 0, "2": 0, "3": 0, "4": 0}
QUIET = {"snow_ice_bias_ppb": ZERO,
         "feature_bias": {"intercept_ppb": 0.0, "slope_below": 0.0, "slope_above": 0.0},
         "pixel_curvature_ppb_per_year2": ZERO,
         "pixel_seasonal_ppb": {"land": ZERO, "water": ZERO},
         "outliers": {"low_snr5a": {"bias_ppb": 0.0, "scatter_ppb": 0.0}, "low_dof": {"bias_ppb": 0.0, "scatter_ppb": 0.0}},
         "pixel_trend_ppb_per_year": {"1": 0, "2": 0, "3": 0, "4": 0},
         "pixel_bias_step_ppb": {"1": 0, "2": 0, "3": 0, "4": 0},
         "global_scale": 1.0}


def test_doubling_a_pixel_offset_doubles_its_mean_difference_to_truth():
    a_f, a_t, a_xco = simulate(**QUIET, pixel_bias_ppb={"1": -3.0, "2": 0, "3": 0, "4": 0})
    b_f, b_t, b_xco = simulate(**QUIET, pixel_bias_ppb={"1": -6.0, "2": 0, "3": 0, "4": 0})
    p1 = a_f["SwathIndex"][:, 0] == 1
    # Difference to the truth as the retrieval sees it (noise-free smoothed truth).
    da = np.mean(a_xco[p1] - a_t["xco_smoothed_ppb"][p1])
    db = np.mean(b_xco[p1] - b_t["xco_smoothed_ppb"][p1])
    assert da == pytest.approx(-3.0, abs=0.15)
    assert db / da == pytest.approx(2.0, abs=0.1)
    # Same seed, same noise: sounding by sounding the change is exactly the injected change.
    np.testing.assert_allclose(b_xco[p1] - a_xco[p1], -3.0, atol=1e-3)
    np.testing.assert_allclose(b_xco[~p1], a_xco[~p1], atol=1e-3)


def test_global_scale_scales_retrievals():
    zero = {"1": 0, "2": 0, "3": 0, "4": 0}
    a_f, a_t, a_xco = simulate(**{**QUIET, "global_scale": 1.0, "pixel_bias_ppb": zero})
    b_f, b_t, b_xco = simulate(**{**QUIET, "global_scale": 1.1, "pixel_bias_ppb": zero})
    np.testing.assert_allclose(b_xco / a_xco, 1.1, rtol=1e-5)


def test_feature_bias_follows_the_configured_breakpoint():
    fb = {"breakpoint_ppb": 60.0, "intercept_ppb": 0.0, "slope_below": 0.0, "slope_above": 0.1}
    f, t, xco = simulate(**{**QUIET, "feature_bias": fb})
    land = f["SurfaceIndex"] == 1
    # The injected bias is a function of the feature computed from the *final* profile.
    prof = np.concatenate([f["RetrievedCOSurfaceMixingRatio"][:, None, 0], f["RetrievedCOMixingRatioProfile"][:, :, 0]], 1)
    # Differences between adjacent *retrieved* levels, row by row (an independent, plain form).
    feat = np.array([np.abs(np.diff(r[np.isfinite(r)])).max() for r in prof])
    expect = np.where(land, np.where(feat > 60.0, 0.1 * (feat - 60.0), 0.0), 0.0)
    np.testing.assert_allclose(t["feature_bias_ppb"], expect, atol=0.02)
    assert (t["feature_bias_ppb"][land & (feat > 100)] > 3.9).all()


def test_diagnostics_are_realistic(synthetic_day):
    f = synthetic_day["fields"]
    day = f["SolarZenithAngle"] < 80
    land = f["SurfaceIndex"] == 1
    dof = f["DegreesofFreedomforSignal"]
    # DOF 1-2 for most daytime land soundings; land more informative than water (H19 Sect. 2.1).
    assert 1.2 < np.median(dof[day & land]) < 2.0
    assert np.median(dof[day & land]) > np.median(dof[day & ~land])
    assert day.any() and (~day).any()
    assert set(np.unique(f["SwathIndex"][:, 0])) == {1, 2, 3, 4}


def test_sra_region_density_when_clear(synthetic_day):
    """An 0.8 x 1.2 deg region sees ~10-25 soundings per overpass when clear (issue #2)."""
    f = synthetic_day["fields"]
    lat, lon = f["Latitude"], f["Longitude"]
    keep = np.abs(lat) < 50
    key = np.floor(lat[keep] / 0.8).astype(int) * 1000 + np.floor(lon[keep] / 1.2).astype(int)
    _, counts = np.unique(key, return_counts=True)
    # Regions fully inside the swath and clear are densely sampled.
    assert 10 <= np.percentile(counts, 90) <= 40


def test_calendar_thinning_by_days():
    days = calendar.days_of_month("2009-02", 2)
    assert days == [dt.date(2009, 2, 8), dt.date(2009, 2, 22)]
    assert calendar.months("2008-11-05", "2009-02-01") == ["2008-11", "2008-12", "2009-01", "2009-02"]


def test_correlated_error_field_has_the_injected_exponential_correlation():
    """The empirical correlation of the field at separation d is exp(-d / L) (the random Fourier
    feature construction), and the field is independent between overpasses."""
    rng = np.random.default_rng(0)
    n = 4000
    lat0 = rng.uniform(-60, 60, n)
    lon0 = rng.uniform(-180, 180, n)
    L = 50.0
    corr = {}
    for d_km in (25.0, 50.0, 100.0):
        dlat = d_km / 111.195
        lat = np.r_[lat0, lat0 + dlat]
        lon = np.r_[lon0, lon0]
        # Many independent realisations: one per orbit number.
        prods, sq = [], []
        for orbit in range(60):
            f = mopitt.correlated_error_field(lat, lon, np.full(2 * n, orbit), 1, 2, L)
            prods.append(np.mean(f[:n] * f[n:]))
            sq.append(np.mean(f**2))
        corr[d_km] = np.mean(prods) / np.mean(sq)
    for d_km, c in corr.items():
        assert c == pytest.approx(np.exp(-d_km / L), abs=0.05), (d_km, c)
    a = mopitt.correlated_error_field(lat0, lon0, np.zeros(n), 1, 2, L)
    b = mopitt.correlated_error_field(lat0, lon0, np.ones(n), 1, 2, L)
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.1


def test_correlated_error_enters_xco_and_the_reported_error():
    """The correlated part of the forward-model error is in XCO; the reported error is the same
    whether the forward-model error is correlated or not."""
    fa, ta, xa = simulate(**QUIET, forward_model_error_ppb=1.5)
    fb, tb, xb = simulate(**QUIET, correlated_error_ppb=1.5)
    assert np.all(ta["correlated_error_ppb"] == 0) and np.all(tb["forward_model_error_ppb"] == 0)
    np.testing.assert_allclose(xb - xa, tb["correlated_error_ppb"] - ta["forward_model_error_ppb"], atol=2e-3)
    assert np.std(tb["correlated_error_ppb"]) == pytest.approx(1.5, rel=0.25)
    ea = 1e9 * fa["RetrievedCOTotalColumn"][:, 1] / fa["DryAirColumn"]
    eb = 1e9 * fb["RetrievedCOTotalColumn"][:, 1] / fb["DryAirColumn"]
    # Only the measurement and smoothing parts, which scale with the retrieved profile, differ.
    assert np.median(np.abs(eb / ea - 1)) < 0.02
    with pytest.raises(Exception, match="correlated_error.sigma_ppb"):
        cfg = small_config(forward_model_error_ppb=1.0, correlated_error={"sigma_ppb": 1.5})
        mopitt.simulate_day(DAY, cfg["synthetic"])


def test_max_adjacent_difference_skips_levels_below_the_surface():
    """Issue 19 item 2: a surface below 900 hPa leaves the 900 hPa slot empty; the surface-to-800
    hPa step is a difference between adjacent retrieved levels. The old definition (np.diff over
    the fixed slots, NaN differences dropped) gives 2 for the first row and 1 for the second."""
    x = np.array([[200.0, np.nan, 80.0, 78.0, 77.0, 76.0, 75.0, 74.0, 73.0, 72.0],
                  [150.0, np.nan, np.nan, np.nan, 90.0, 89.0, 88.0, 87.0, 86.0, 85.0],
                  [100.0, 101.0, 103.0, 110.0, 111.0, 112.0, 113.0, 114.0, 115.0, 116.0],
                  [100.0] + [np.nan] * 9])
    got = mopitt.max_adjacent_difference(x)
    np.testing.assert_array_equal(got[:3], [120.0, 60.0, 7.0])
    assert np.isnan(got[3])  # one retrieved level: no difference


def test_synthetic_feature_is_the_readers_feature_with_surfaces_below_900_hpa(synthetic_day):
    """The synthetic truth's feature and the ingested max_adjacent_diff agree on the soundings
    whose surface lies below 900 hPa (where the old definitions disagreed with the physics)."""
    from satcol.instruments.mopitt import reader

    raw = reader.read_mop02(synthetic_day["path"])
    table, _ = reader.canonical(raw)
    high = table["psurf"] < 900.0
    assert high.sum() > 100
    f = synthetic_day["fields"]
    prof = np.concatenate([f["RetrievedCOSurfaceMixingRatio"][:, None, 0], f["RetrievedCOMixingRatioProfile"][:, :, 0]], 1)
    plain = np.array([np.abs(np.diff(r[np.isfinite(r)])).max() for r in prof[high]])
    np.testing.assert_allclose(table["max_adjacent_diff"][high], plain, rtol=1e-5)


def test_snow_ice_diagnostic_has_partial_cover_and_misclassifications():
    """The file's snow/ice-free fraction takes values strictly inside (0, 1) near the cover edges;
    some covered footprints report 1.0 (missed) and some free ones report partial cover; the
    injected snow/ice bias follows the true cover, not the diagnostic."""
    bias = {"1": 6.0, "2": -4.0, "3": 8.0, "4": -5.0}
    f, t, _ = simulate(**{**QUIET, "snow_ice_bias_ppb": bias,
                          "snow_ice": {"missed_fraction": 0.05, "false_fraction": 0.01}})
    free = f["MODISCloudDiagnostics"][:, mopitt.MODIS_SNOW_ICE_ELEMENT].astype(np.float64)
    cover = t["snow_ice_cover"]
    covered = cover > 0
    ok = np.isfinite(free)
    assert ((free > 0) & (free < 0.999) & ok).sum() > 50
    missed = covered & (free >= 0.999)
    false = ~covered & (free < 0.999) & ok
    assert 0.02 < missed.sum() / covered.sum() < 0.08
    assert 0.005 < false.sum() / (~covered).sum() < 0.02
    pixel = f["SwathIndex"][:, 0]
    expect = cover * np.array([6.0, -4.0, 8.0, -5.0])[pixel - 1]
    np.testing.assert_allclose(t["snow_ice_bias_ppb"], expect, atol=1e-12)
    assert np.abs(t["snow_ice_bias_ppb"][missed]).min() > 0  # the missed ones carry their bias


def test_tccon_prior_shape_is_not_the_truths():
    """The TCCON-like prior is a climatology with its own vertical shape: its ratio to the
    truth's background varies with pressure by more than 10 % (a constant factor would not)."""
    from satcol.synthetic import truth

    p = np.array([[950.0, 800.0, 600.0, 400.0, 200.0, 100.0, 30.0]])
    t = np.array([1.2e9])
    ratio = truth.tccon_prior_vmr(np.array([40.0]), t, p, np.array([1000.0]))[0] / (
        truth.background_surface_ppb(np.array([40.0]), truth.day_of_year(t)) * truth.vertical_shape(p[0], 1000.0))
    assert np.ptp(ratio) > 0.1
