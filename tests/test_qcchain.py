"""Unit tests of the QC chain: SRA medians and validity, binned-statistics reduction, the
piecewise feature fit, the pixel-bias estimators, and filters as data."""

import numpy as np
import pandas as pd
import pytest

from satcol import binstats, feature_bias, filters, pixel_bias, prefilter, sra, timeutil
from satcol import qc as qcmod
from satcol.errors import ConfigError


# --- SRA -----------------------------------------------------------------------------------------
def test_sra_median_and_anomaly_odd_region():
    v = np.array([5.0, 1.0, 3.0, 2.0, 4.0])
    res = sra.small_region_anomalies(v, np.full(5, 1.5), np.zeros(5, int), min_soundings=5)
    np.testing.assert_array_equal(res.anomaly, v - 3.0)
    assert res.valid.all() and res.n_valid_regions == 1


def test_sra_even_region_median_and_dof_rule():
    v = np.array([1.0, 2.0, 3.0, 10.0])
    dof = np.array([2.0, 0.5, 1.5, 2.0])  # lower middle (2.0) has DOF 0.5, upper middle (3.0) 1.5
    both = sra.small_region_anomalies(v, dof, np.zeros(4, int), min_soundings=4, even_median="both")
    assert not both.valid.any() and np.isnan(both.anomaly).all()
    dof2 = np.array([2.0, 1.5, 0.5, 2.0])
    lower = sra.small_region_anomalies(v, dof2, np.zeros(4, int), min_soundings=4, even_median="lower")
    np.testing.assert_allclose(lower.anomaly, v - 2.5)  # median of an even count: mean of the middle two


def test_sra_min_soundings_and_median_dof():
    rng = np.random.default_rng(0)
    region = np.repeat([0, 1, 2], [12, 9, 15])
    v = rng.normal(size=region.size)
    dof = np.full(region.size, 1.5)
    # Region 2: make its median sounding low-DOF.
    r2 = np.flatnonzero(region == 2)
    dof[r2[np.argsort(v[r2])[7]]] = 0.8
    res = sra.small_region_anomalies(v, dof, region, min_soundings=10, min_median_dof=1.0)
    assert res.valid[region == 0].all()
    assert not res.valid[region == 1].any()  # 9 < 10 soundings
    assert not res.valid[region == 2].any()  # median sounding DOF < 1
    assert res.n_regions == 3 and res.n_valid_regions == 1


def test_region_ids_split_overpasses_and_cells():
    lat = np.array([10.1, 10.2, 10.3, 10.1, 11.5])
    lon = np.array([20.1, 20.2, 20.3, 20.1, 20.1])
    t = np.array([0.0, 10.0, 20.0, 6000.0, 30.0])  # 4th: same cell, next orbit; 5th: other cell
    ids = sra.region_ids(lat, lon, t, np.ones(5, bool))
    assert ids[0] == ids[1] == ids[2]
    assert len({ids[0], ids[3], ids[4]}) == 3
    day = sra.region_ids(lat, lon, t, np.ones(5, bool), window="day")
    assert day[0] == day[3]


# --- binned statistics: the reduction equals the direct computation -----------------------------
def test_binned_reduction_equals_direct_computation():
    rng = np.random.default_rng(1)
    n = 5000
    x = rng.normal(2.0, 3.0, n)
    keys = {"bin": rng.integers(0, 7, n), "pixel": rng.integers(1, 5, n)}
    w = rng.uniform(0.1, 2.0, n)
    chunks = np.array_split(np.arange(n), 6)
    parts = [binstats.partial({k: v[c] for k, v in keys.items()}, x[c], w[c]) for c in chunks]
    red = binstats.finish(binstats.reduce(parts, ["bin", "pixel"]))
    direct = pd.DataFrame({**keys, "x": x, "w": w}).groupby(["bin", "pixel"])
    np.testing.assert_allclose(red["mean"], direct["x"].mean().to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(red["rms"], direct["x"].apply(lambda s: np.sqrt(np.mean(s**2))).to_numpy(), rtol=1e-12)
    wm = direct.apply(lambda g: np.average(g["x"], weights=g["w"]), include_groups=False).to_numpy()
    np.testing.assert_allclose(red["wmean"], wm, rtol=1e-12)
    np.testing.assert_array_equal(red["n"], direct.size().to_numpy())


def test_bin_index_edges():
    np.testing.assert_array_equal(binstats.bin_index([-1, 0, 0.5, 9.99, 10, np.nan], 0, 10, 10), [-1, 0, 0, 9, 10, -2])


# --- feature bias ------------------------------------------------------------------------------
def _feature_frame(n=20000, seed=2):
    rng = np.random.default_rng(seed)
    f = rng.gamma(2.0, 35.0, n)
    truth = np.where(f > 100, 0.08 * (f - 100), -0.01 * (f - 100) * 0)
    y = truth + rng.normal(0, 2.0, n)
    df = pd.DataFrame({"max_adjacent_diff": f, "snr_5a": rng.uniform(500, 3000, n), "surface": np.ones(n, int)})
    return df, y


def test_piecewise_fit_recovers_slopes_and_breakpoint_from_monthly_partials():
    df, y = _feature_frame()
    cands = {"max_adjacent_diff": {"breakpoints": [60, 80, 100, 120, 150]}, "snr_5a": {"breakpoints": [1000]}}
    halves = np.array_split(np.arange(len(df)), 3)
    parts = [feature_bias.partial_stats(df.iloc[h].reset_index(drop=True), y[h], np.ones(h.size, bool), cands) for h in halves]
    red = pd.concat(parts).groupby(["candidate", "surface", "breakpoint"], as_index=False)[feature_bias.STAT_COLS].sum()
    fits = feature_bias.fit_all(red, 0.03)
    best = fits[fits["candidate"] == "max_adjacent_diff"].iloc[0]
    assert best["breakpoint"] == 100 and best["model"] == "piecewise" and best["accepted"]
    assert best["slope_above"] == pytest.approx(0.08, abs=0.005)
    assert best["slope_below"] == pytest.approx(0.0, abs=0.005)
    # The same fit directly on all points (OLS) gives the same coefficients.
    X = feature_bias.basis(df["max_adjacent_diff"].to_numpy(), 100.0)
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose([best["piecewise_intercept"], best["slope_below"], best["slope_above"]], beta, rtol=1e-9, atol=1e-12)
    # An unrelated candidate does not pass.
    assert not fits[fits["candidate"] == "snr_5a"]["passes"].iloc[0]


def test_at_most_one_correction_per_surface():
    df, y = _feature_frame()
    df["copy"] = df["max_adjacent_diff"] * 1.01  # a perfectly correlated second candidate
    cands = {"max_adjacent_diff": {"breakpoints": [100]}, "copy": {"breakpoints": [101]}}
    red = feature_bias.partial_stats(df, y, np.ones(len(df), bool), cands)
    fits = feature_bias.fit_all(red, 0.03, max_per_surface=1)
    assert fits["passes"].sum() == 2 and fits["accepted"].sum() == 1


# --- pixel bias --------------------------------------------------------------------------------
def _pixel_world(seed=3, n_regions=3000):
    """Regions with varying pixel composition; pixel offsets b; region levels c."""
    rng = np.random.default_rng(seed)
    b = np.array([-3.0, 1.0, 0.5, 1.5])
    sizes = rng.integers(10, 25, n_regions)
    region = np.repeat(np.arange(n_regions), sizes)
    # composition varies: each region favours a random pair of pixels
    fav = rng.integers(0, 4, n_regions)[region]
    pixel = np.where(rng.random(region.size) < 0.6, fav, rng.integers(0, 4, region.size)) + 1
    c = rng.normal(80, 15, n_regions)[region]
    x = c + b[pixel - 1] + rng.normal(0, 2.0, region.size)
    return region, pixel, x, b


def test_fixed_effects_estimator_is_unbiased_with_varying_composition():
    region, pixel, x, b = _pixel_world()
    n = x.size
    t = np.zeros(n)
    surface = np.ones(n, int)
    err = np.full(n, 2.0)
    part = pixel_bias.partial_fixed_effects(t, surface, pixel, x, err, region, np.ones(n, bool), 0.0, 10)
    d = pixel_bias.fixed_effect_differences(part, 0.0, 10).sort_values("pixel")
    w = d["sw"].to_numpy()
    expect = b - np.sum(w * b) / w.sum()
    np.testing.assert_allclose(d["diff"], expect, atol=0.05)


def test_median_anomaly_estimator_is_attenuated_with_varying_composition():
    """H19's estimator (mean SRA anomaly per pixel minus the all-pixel mean) shrinks the biases
    when pixel composition varies between regions; this is why fixed effects are the default."""
    region, pixel, x, b = _pixel_world()
    res = sra.small_region_anomalies(x, np.full(x.size, 1.5), region, min_soundings=10)
    part = pixel_bias.partial_pixel_means(np.zeros(x.size), np.ones(x.size, int), pixel, res.anomaly,
                                          np.full(x.size, 2.0), res.valid, 0.0, 10)
    d = pixel_bias.pixel_differences(part, 0.0, 10).sort_values("pixel")
    expect = b - b.mean()
    assert abs(d["diff"].iloc[0]) < 0.9 * abs(expect[0])


def test_trend_fit_per_period():
    t0 = 0.0
    tm = np.arange(100) * 10 * 86400.0 + 5 * 86400.0
    event = 500 * 86400.0
    diffs = pd.DataFrame({"pixel": 1, "surface": 1, "t_mid": tm, "sw": 1.0,
                          "diff": 0.5 + 0.2 * tm / pixel_bias.SECONDS_PER_YEAR + np.where(tm >= event, -1.0, 0.0)})
    fits = pixel_bias.fit_trends(diffs, t0, [event])
    assert len(fits) == 2
    np.testing.assert_allclose(fits["trend_ppb_per_year"], 0.2, atol=1e-9)
    np.testing.assert_allclose(fits["offset_ppb"], [0.5, -0.5], atol=1e-9)
    val = pixel_bias.evaluate(fits, np.array([event - 1, event + 1]), np.array([1, 1]), np.array([1, 1]), t0, [event])
    assert val[1] - val[0] == pytest.approx(-1.0, abs=1e-6)


def test_evaluate_pixel_bias_per_pixel_surface_and_year():
    """Each sounding gets offset + trend x years of its own pixel x surface fit, plus its pixel's
    offset for its UTC year; NaN for a surface without fits (mixed) or an unknown time."""
    t0 = 0.0
    new_year_2001 = 978307200.0  # 2001-01-01T00:00:00Z
    fits = pd.DataFrame({"pixel": [1, 2, 1, 2], "surface": [0, 0, 1, 1], "period": 0,
                         "offset_ppb": [1.0, 2.0, 3.0, 4.0], "trend_ppb_per_year": [0.0, 0.5, 0.0, -1.0]})
    years = pd.DataFrame({"pixel": [1, 2], "year": [2001, 2000], "offset_ppb": [10.0, 20.0]})
    time_s = np.array([new_year_2001 - 1.0, new_year_2001, new_year_2001 - 1.0, new_year_2001, 5.0, np.nan])
    pixel = np.array([1, 1, 2, 2, 1, 1])
    surface = np.array([1, 1, 0, 0, 2, 0])
    val = pixel_bias.evaluate(fits, time_s, surface, pixel, t0, year_offset=years)
    yrs = time_s / pixel_bias.SECONDS_PER_YEAR
    np.testing.assert_allclose(val[:4], [3.0, 3.0 + 10.0, 2.0 + 0.5 * yrs[2] + 20.0, 2.0 + 0.5 * yrs[3]], rtol=1e-12)
    assert np.isnan(val[4]) and np.isnan(val[5])
    np.testing.assert_array_equal(timeutil.utc_year(time_s), [2000, 2001, 2000, 2001, 1970, -1])


# --- prefilter and filters ---------------------------------------------------------------------
def test_prefilter_sets_bits_drops_nothing():
    df = pd.DataFrame({"qc": np.zeros(4, np.uint32), "sza": [30.0, 85.0, 30.0, np.nan],
                       "modis_snow_ice": [1.0, 1.0, 0.5, 1.0], "surface": [1, 0, 2, 1]})
    q = prefilter.prefilter_qc(df)
    assert len(q) == 4
    assert q[0] == 0
    assert q[1] & qcmod.mask_of("night")
    assert q[2] & qcmod.mask_of("snow_ice") and q[2] & qcmod.mask_of("mixed_surface")
    assert q[3] & qcmod.mask_of("night")  # unknown SZA is not daytime


def test_filters_are_data_and_unknown_fields_are_rejected():
    with pytest.raises(ConfigError, match="unknown field 'snr_8a'"):
        filters.validate_filters([{"field": "snr_8a", "op": "<", "threshold": 1}], "t.yaml")
    with pytest.raises(ConfigError, match="unknown operator"):
        filters.validate_filters([{"field": "dof", "op": "__import__", "threshold": 1}], "t.yaml")
    f = filters.validate_filters([{"field": "dof", "op": "<", "threshold": 1.05, "surface": "land"}], "t.yaml")
    df = pd.DataFrame({"dof": [1.0, 1.0, 1.2], "surface": [1, 0, 1]})
    q = filters.apply_filters(df, f, np.zeros(3, np.uint32))
    assert list(q != 0) == [True, False, False]


def test_published_table_loads():
    from satcol.config import REPO_DIR

    table = filters.load_filter_file(REPO_DIR / "config/filters/hedelius2019.yaml")
    snr = [f for f in table if f["field"] == "snr_5a"]
    assert {(f["surface"], f["threshold"]) for f in snr} == {("land", 500.0), ("water", 900.0)}
    assert len(table) == 19


def test_cf_flag_attributes_cover_every_bit():
    attrs = qcmod.cf_flag_attributes()
    assert len(attrs["flag_masks"]) == len(attrs["flag_meanings"].split()) == len(qcmod.QC_BITS)
    assert len(set(int(m) for m in attrs["flag_masks"])) == len(qcmod.QC_BITS)


def test_group_ids_equal_numpy_unique_rows():
    from satcol import binstats

    rng = np.random.default_rng(9)
    cols = [rng.integers(-3, 40, 5000), rng.integers(0, 2, 5000), rng.integers(1, 5, 5000)]
    uniq, inv = binstats.group_ids(cols)
    ref, ref_inv = np.unique(np.stack(cols, axis=1), axis=0, return_inverse=True)
    np.testing.assert_array_equal(np.stack(uniq, axis=1), ref)
    np.testing.assert_array_equal(inv, ref_inv.ravel())


def test_partial_subsets_equal_partial_of_each_subset_bit_for_bit():
    rng = np.random.default_rng(11)
    n = 20000
    keys = {"bin": rng.integers(-2, 30, n), "surface": rng.integers(0, 3, n), "pixel": rng.integers(1, 5, n)}
    x = rng.normal(0.0, 5.0, n) * 10 ** rng.uniform(-3, 3, n)
    x[rng.random(n) < 0.1] = np.nan
    a, b = rng.random(n) < 0.3, np.zeros(n, dtype=bool)  # b: an empty subset
    got = binstats.partial_subsets(keys, [(a, x), (slice(None), None), (b, x), (~a, None)])
    ref = [binstats.partial({k: v[a] for k, v in keys.items()}, x[a]),
           binstats.partial(keys, np.ones(n)),
           binstats.partial({k: v[b] for k, v in keys.items()}, x[b]),
           binstats.partial({k: v[~a] for k, v in keys.items()}, np.ones(int((~a).sum())))]
    for g, r in zip(got, ref, strict=True):
        pd.testing.assert_frame_equal(g, r, check_exact=True)
    # The bin column prepended to packed (surface, pixel) keys gives the same frames.
    tail = binstats.PackedKeys.of({"surface": keys["surface"], "pixel": keys["pixel"]})
    got2 = binstats.partial_subsets(tail.prepend("bin", keys["bin"]), [(a, x), (slice(None), None), (b, x), (~a, None)])
    for g, r in zip(got2, ref, strict=True):
        pd.testing.assert_frame_equal(g, r, check_exact=True)
    assert len(got[2]) == 0 and got[0]["n"].sum() == np.count_nonzero(a & np.isfinite(x))


def test_bin_index_equals_explicit_edge_tests():
    rng = np.random.default_rng(5)
    v = np.concatenate([rng.uniform(-5, 15, 10000), np.arange(0, 10.01, 0.1), [np.inf, -np.inf, np.nan]])
    lo, hi, n = 0.0, 10.0, 7
    idx = np.floor((v - lo) / (hi - lo) * n)
    ref = np.where(np.isfinite(v), np.where(v < lo, -1, np.where(v >= hi, n, idx)), -2).astype(np.int64)
    np.testing.assert_array_equal(binstats.bin_index(v, lo, hi, n), ref)


def test_unix_seconds_equal_pandas_total_seconds():
    from satcol.qcchain import unix_seconds

    us = np.random.default_rng(2).integers(9e14, 2e15, 50000)  # 1998-2033, microseconds
    t = pd.Series(pd.to_datetime(us, unit="us", utc=True))
    t.iloc[7] = pd.NaT
    ref = (t - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy()
    np.testing.assert_array_equal(unix_seconds(t), ref)
    assert np.isnan(unix_seconds(t)[7]) and unix_seconds(t)[0] == us[0] / 1e6
