"""Unit tests of the QC chain: SRA medians and validity, binned-statistics reduction, the
piecewise feature fit, the pixel-bias estimators, and filters as data."""

import numpy as np
import pandas as pd
import pytest

from satcol.core import binstats, timeutil
from satcol.core.errors import ConfigError
from satcol.instruments.mopitt import feature_bias, filters, pixel_bias, prefilter, sra
from satcol.instruments.mopitt import qc as qcmod


# --- SRA -----------------------------------------------------------------------------------------
def test_sra_median_and_anomaly_odd_region():
    v = np.array([5.0, 1.0, 3.0, 2.0, 4.0])
    res = sra.small_region_anomalies(v, np.full(5, 1.5), np.zeros(5, int), min_soundings=5)
    np.testing.assert_array_equal(res.anomaly, v - 3.0)
    assert res.valid.all() and res.n_valid_regions == 1


def test_sra_even_region_median_and_dof_rule():
    """Even count: the median is the mean of the two middle soundings, and the DOF rule looks at
    both (``both``) or at the lower one only (``lower``). The three cases tell the rules apart:
    only the upper middle sounding low (both: invalid, lower: valid), only the lower one low
    (both and lower: invalid), neither (both valid).

    Mutations checked (each fails here; the test before issue 19 passed the first): ``both``
    implemented as ``lower`` (case 1 becomes valid); ``both`` as ``upper`` (case 2 becomes
    valid); ``lower`` as ``upper`` (cases 1 and 2 swap)."""
    v = np.array([1.0, 2.0, 3.0, 10.0])  # middle soundings: 2.0 (lower) and 3.0 (upper)
    region = np.zeros(4, int)
    cases = {  # DOF per sounding -> (valid with both, valid with lower)
        "upper middle low": (np.array([2.0, 1.5, 0.5, 2.0]), False, True),
        "lower middle low": (np.array([2.0, 0.5, 1.5, 2.0]), False, False),
        "both middle ok": (np.array([0.5, 1.5, 1.5, 0.5]), True, True),
    }
    for name, (dof, want_both, want_lower) in cases.items():
        both = sra.small_region_anomalies(v, dof, region, min_soundings=4, even_median="both")
        lower = sra.small_region_anomalies(v, dof, region, min_soundings=4, even_median="lower")
        assert (both.n_valid_regions, lower.n_valid_regions) == (int(want_both), int(want_lower)), name
        for res, want in ((both, want_both), (lower, want_lower)):
            assert res.valid.all() == want and res.valid.any() == want, name
            if want:  # median of an even count: mean of the middle two
                np.testing.assert_allclose(res.anomaly, v - 2.5)
            else:
                assert np.isnan(res.anomaly).all()
    # Shuffled rows give the same regions: the middle soundings are found by value, not position.
    perm = np.array([3, 0, 2, 1])
    dof = cases["upper middle low"][0]
    assert sra.small_region_anomalies(v[perm], dof[perm], region, min_soundings=4, even_median="lower").valid.all()
    assert not sra.small_region_anomalies(v[perm], dof[perm], region, min_soundings=4, even_median="both").valid.any()
    with pytest.raises(ValueError, match="even_median"):
        sra.small_region_anomalies(v, dof, region, min_soundings=4, even_median="upper")


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
def _fb(**overrides):
    """The config's feature_bias section (H19's rule by default) with overrides."""
    from satcol.core.config import load_config

    return load_config(overrides={"instruments": {"mopitt": {"feature_bias": overrides}}})["instruments"]["mopitt"]["feature_bias"]


def _feature_frame(n=20000, seed=2, b=100.0, below=0.0, above=0.08, surface=1):
    rng = np.random.default_rng(seed)
    f = rng.gamma(2.0, 35.0, n)
    truth = np.where(f > b, above * (f - b), below * (f - b))
    y = truth + rng.normal(0, 2.0, n)
    df = pd.DataFrame({"max_adjacent_diff": f, "snr_5a": rng.uniform(500, 3000, n), "surface": np.full(n, surface)})
    return df, y


def _reduce(parts):
    return pd.concat(parts).groupby(["candidate", "surface", "breakpoint"], as_index=False)[feature_bias.STAT_COLS].sum()


def test_piecewise_fit_recovers_slopes_and_breakpoint_from_monthly_partials():
    df, y = _feature_frame()
    cands = {"max_adjacent_diff": {"breakpoints": [60, 80, 100, 120, 150]}, "snr_5a": {"breakpoints": [1000]}}
    halves = np.array_split(np.arange(len(df)), 3)
    red = _reduce([feature_bias.partial_stats(df.iloc[h].reset_index(drop=True), y[h], np.ones(h.size, bool), cands)
                   for h in halves])
    for opts in (_fb(), _fb(breakpoint="search")):
        fits = feature_bias.fit_all(red, opts)
        best = fits[fits["candidate"] == "max_adjacent_diff"].iloc[0]
        assert best["breakpoint"] == 100 and best["model"] == "piecewise" and best["accepted"]
        assert best["slope_above"] == pytest.approx(0.08, abs=0.005)
        assert best["slope_below"] == pytest.approx(0.0, abs=0.005)
        # An unrelated candidate does not pass.
        assert not fits[fits["candidate"] == "snr_5a"]["passes"].iloc[0]
    # The same fit directly on all points (OLS) gives the same coefficients.
    X = feature_bias.basis(df["max_adjacent_diff"].to_numpy(), 100.0)
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose([best["piecewise_intercept"], best["slope_below"], best["slope_above"]], beta, rtol=1e-9, atol=1e-12)


def test_criterion_is_the_overall_rms_of_both_surfaces():
    """H19 Sect. 3.4: "a 3 % reduction in the overall RMS". A land feature bias that cuts the
    land RMS by 12 % is diluted by six times as many water soundings to 2.0 % of the overall
    RMS, so H19's rule rejects it; measured against the land RMS alone
    (``rms_scope: surface``, the rule before issue 19) it passes. The overall reduction equals
    the direct computation: the overall RMS after replacing the land anomalies by the fit's
    residuals (plus their mean, which the SRA cannot see).

    Fails on the rule before issue 19 (checked: it accepted the land correction, reduction
    measured per surface; the old ``fit_all`` gives the same table as ``rms_scope: surface,
    model: select, breakpoint: search``, checked on three data sets)."""
    land, y_land = _feature_frame(n=10000, seed=5, above=0.04)
    rng = np.random.default_rng(6)
    water = pd.DataFrame({"max_adjacent_diff": rng.gamma(2.0, 35.0, 60000), "snr_5a": 1000.0, "surface": 0})
    y_water = rng.normal(0, 2.0, len(water))
    df = pd.concat([land, water], ignore_index=True)
    y = np.concatenate([y_land, y_water])
    cands = {"max_adjacent_diff": {"breakpoints": [100]}}
    red = feature_bias.partial_stats(df, y, np.ones(len(df), bool), cands)
    fits = feature_bias.fit_all(red, _fb()).set_index(["candidate", "surface"])
    row = fits.loc[("max_adjacent_diff", 1)]
    X = feature_bias.basis(land["max_adjacent_diff"].to_numpy(), 100.0)
    beta = np.linalg.lstsq(X, y_land, rcond=None)[0]
    after = np.concatenate([y_land - X @ beta + y_land.mean(), y_water])
    before = np.sqrt(np.mean(y**2))
    assert row["rms_before"] == pytest.approx(before, rel=1e-12)
    assert row["reduction"] == pytest.approx(1 - np.sqrt(np.mean(after**2)) / before, rel=1e-9)
    assert 0.01 < row["reduction"] < 0.03 and not row["passes"] and not fits["accepted"].any()
    per_surface = feature_bias.fit_all(red, _fb(rms_scope="surface")).set_index(["candidate", "surface"])
    land_only = per_surface.loc[("max_adjacent_diff", 1)]
    assert land_only["reduction"] == pytest.approx(1 - np.std(y_land - X @ beta) / np.std(y_land), rel=1e-9)
    assert land_only["reduction"] > 0.06 and land_only["accepted"]


def test_h19_fits_the_piecewise_form_at_the_paper_breakpoint():
    """H19: "piecewise linear fits ... over two regimes, split at 100 ppb". The truth here is
    two regimes split at 130 ppb with slopes 0.05 and 0.08 ppb/ppb, close enough to a line that
    the piecewise fit adds less than 0.25 x 3 % to the linear fit's reduction. H19's rule keeps
    the piecewise form at 100 ppb; ``model: select`` (the rule before issue 19: the line unless
    the piecewise fit adds a quarter of the criterion) takes the line, and ``breakpoint: search``
    (also the old rule) moves the breakpoint to 130.

    Fails on the rule before issue 19 (checked: model 'linear', breakpoint 130; the old rule is
    ``model: select, breakpoint: search``, asserted below)."""
    df, y = _feature_frame(n=40000, seed=7, b=130.0, below=0.05, above=0.08)
    cands = {"max_adjacent_diff": {"breakpoints": [60, 100, 130, 160]}}
    red = feature_bias.partial_stats(df, y, np.ones(len(df), bool), cands)
    h19 = feature_bias.fit_all(red, _fb()).iloc[0]
    assert h19["model"] == "piecewise" and h19["breakpoint"] == 100.0 and h19["accepted"]
    assert h19["reduction"] == h19["reduction_piecewise"]
    gain = h19["reduction_piecewise"] - h19["reduction_linear"]
    assert 0 < gain < 0.25 * 0.03
    old = feature_bias.fit_all(red, _fb(model="select", breakpoint="search")).iloc[0]
    assert old["model"] == "linear" and old["breakpoint"] == 130.0
    searched = feature_bias.fit_all(red, _fb(breakpoint="search")).iloc[0]
    assert searched["model"] == "piecewise" and searched["breakpoint"] == 130.0
    assert searched["slope_below"] == pytest.approx(0.05, abs=0.005) and searched["slope_above"] == pytest.approx(0.08, abs=0.005)
    assert feature_bias.fit_all(red, _fb(model="linear")).iloc[0]["model"] == "linear"


def test_a_candidate_without_a_paper_breakpoint_is_fitted_with_a_line():
    """H19 give a breakpoint only for the maximum adjacent-level difference; any other candidate
    is screened with a linear fit (their OCO-2 precedent), whatever its file breakpoints."""
    rng = np.random.default_rng(3)
    n = 20000
    snr = rng.uniform(300, 3000, n)
    y = np.where(snr < 900, -0.01 * (snr - 900), 0.0) + rng.normal(0, 2.0, n)
    df = pd.DataFrame({"snr_5a": snr, "surface": np.ones(n, int)})
    red = feature_bias.partial_stats(df, y, np.ones(n, bool), {"snr_5a": {"breakpoints": [500, 900]}})
    fit = feature_bias.fit_all(red, _fb()).iloc[0]
    assert fit["model"] == "linear" and fit["reduction"] == fit["reduction_linear"]
    fit2 = feature_bias.fit_all(red, _fb(fixed_breakpoints={"snr_5a": 900.0})).iloc[0]
    assert fit2["model"] == "piecewise" and fit2["breakpoint"] == 900.0
    assert fit2["slope_below"] == pytest.approx(-0.01, abs=0.001) and fit2["slope_above"] == pytest.approx(0.0, abs=0.001)
    assert fit2["reduction"] > fit["reduction"]


def test_at_most_one_correction_per_surface():
    df, y = _feature_frame()
    df["copy"] = df["max_adjacent_diff"] * 1.01  # a perfectly correlated second candidate
    cands = {"max_adjacent_diff": {"breakpoints": [100]}, "copy": {"breakpoints": [101]}}
    red = feature_bias.partial_stats(df, y, np.ones(len(df), bool), cands)
    fits = feature_bias.fit_all(red, _fb(fixed_breakpoints={"max_adjacent_diff": 100.0, "copy": 101.0}))
    assert fits["passes"].sum() == 2 and fits["accepted"].sum() == 1
    fits2 = feature_bias.fit_all(red, _fb(fixed_breakpoints={"max_adjacent_diff": 100.0, "copy": 101.0},
                                          max_corrections_per_surface=2))
    assert fits2["accepted"].sum() == 2


def _filtered_month():
    """One SRA region (35 soundings of one overpass in one cell): 15 good soundings near 80 ppb
    and 20 low-DOF soundings 30 ppb higher, which the DOF filter removes."""
    rng = np.random.default_rng(12)
    n_good, n_bad = 15, 20
    n = n_good + n_bad
    xco = np.r_[80 + rng.normal(0, 1.0, n_good), 110 + rng.normal(0, 1.0, n_bad)]
    table = pd.DataFrame({
        "sounding_id": np.arange(n), "time": pd.to_datetime(1.25e9 + np.arange(n), unit="s", utc=True),
        "lat": 10.3, "lon": 20.5, "surface": 1, "pixel": np.arange(n) % 4 + 1, "xgas": xco,
        "dof": np.r_[np.full(n_good, 1.5), np.full(n_bad, 1.02)],
        "max_adjacent_diff": rng.gamma(2.0, 35.0, n)})
    qc_pre = pd.DataFrame({"sounding_id": table["sounding_id"], "qc": np.zeros(n, np.uint32)})
    first = sra.small_region_anomalies(xco, table["dof"].to_numpy(), np.zeros(n, int), 10, 1.0)
    sra_out = pd.DataFrame({"sounding_id": table["sounding_id"], "preliminary_pixel_correction": np.float32(0.0),
                            "anomaly": first.anomaly, "in_valid_region": first.valid})
    applied = filters.validate_filters([{"field": "dof", "op": "<", "threshold": 1.05, "surface": "land"}], "t.yaml")
    cands = {"max_adjacent_diff": {"bins": [0, 400, 8], "breakpoints": [100]}}
    return table, qc_pre, sra_out, applied, cands, xco[:n_good]


def test_filtered_rms_and_feature_fits_use_the_sra_of_the_filtered_soundings():
    """H19's filtered RMS (3.84 -> 2.55 ppb) is the SRA RMS of the soundings the filters keep,
    about the medians of those soundings. Here 20 filtered outliers lift the first SRA's
    median; the kept soundings' anomalies must be taken about the median of the 15 kept.

    Fails on the code before issue 19 (checked: it reused the first SRA's anomalies, whose
    median is an outlier's, so the filtered RMS was 29.3 ppb instead of 0.97 ppb; that code
    path is ``anomalies: prefilter_sra``, checked below)."""
    from satcol.core import config as cfgmod
    from satcol.instruments.mopitt.qcchain import run_apply_filters

    table, qc_pre, sra_out, applied, cands, good = _filtered_month()
    cfg = cfgmod.instrument_config(cfgmod.load_config())
    qc, stats, rms, _ = run_apply_filters(table, qc_pre, sra_out, applied, cands, cfg)
    assert (qc["qc"].to_numpy() == 0).sum() == 15
    expect = good - np.median(good)
    assert rms["anomalies"] == "filtered_sra" and rms["n_filtered_in_valid"] == 15
    assert rms["sumsq_filtered"] == pytest.approx(np.sum(expect**2), rel=1e-6)
    total = stats[stats["candidate"] == feature_bias.ALL].set_index("surface")
    assert total.loc[1, "n"] == 15 and total.loc[1, "yty"] == pytest.approx(np.sum(expect**2), rel=1e-6)
    # The departure: the first SRA's anomalies (median lifted by the outliers).
    old_cfg = cfgmod.instrument_config(
        cfgmod.load_config(overrides={"instruments": {"mopitt": {"feature_bias": {"anomalies": "prefilter_sra"}}}}))
    _, _, rms_old, _ = run_apply_filters(table, qc_pre, sra_out, applied, cands, old_cfg)
    first_median = np.median(np.r_[good, table["xgas"].to_numpy()[15:]])
    assert rms_old["sumsq_filtered"] == pytest.approx(np.sum((good - first_median) ** 2), rel=1e-6)
    assert rms_old["sumsq_filtered"] > 100 * rms["sumsq_filtered"]


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


#: H19 Table 3 as published (docs/methods.md sect. 8): field -> {surface: (op, threshold)}; a sounding
#: is excluded if any criterion is met. The source of truth for the behaviour test below.
H19_TABLE3 = {
    "emis_diff": {"land": [("<", -0.05), (">", 0.05)], "water": [("<", -0.75)]},
    "dof": {"land": [("<", 1.05)], "water": [("<", 1.00)]},
    "tsurf_diff": {"water": [("<", -4.0)]},
    "emis_err": {"land": [(">", 0.055)]},
    "modis_snow_ice": {"land": [("<", 0.999)], "water": [("<", 0.999)]},
    "mean_ak": {"land": [("<", 0.75)], "water": [("<", 0.50)]},
    "max_adjacent_diff": {"land": [(">", 300.0)], "water": [(">", 300.0)]},
    "snr_5a": {"land": [("<", 500.0)], "water": [("<", 900.0)]},
    "anomaly_sum": {"land": [(">", 0.5)]},
    "sza": {"land": [(">", 80.0)], "water": [(">", 80.0)]},
    "trace_total_cov": {"land": [(">", 0.0170)], "water": [(">", 0.0168)]},
    "trace_meas_cov": {"land": [(">", 0.0055)]},
    "trace_smooth_cov": {"water": [("<", 0.0114)]},
}
#: A sounding no Table 3 criterion excludes.
GOOD = {"emis_diff": 0.0, "dof": 1.5, "tsurf_diff": 0.0, "emis_err": 0.01, "modis_snow_ice": 1.0, "mean_ak": 0.9,
        "max_adjacent_diff": 50.0, "snr_5a": 2000.0, "anomaly_sum": 0.0, "sza": 30.0, "trace_total_cov": 0.01,
        "trace_meas_cov": 0.002, "trace_smooth_cov": 0.015}


def test_published_table_flags_what_h19_table3_excludes():
    """The shipped H19 filter file, applied: for every Table 3 criterion, soundings of both
    surfaces with that one field just past, at and just inside the threshold are flagged (with
    that field's QC bit) exactly when Table 3 excludes them, and a sounding that meets no
    criterion keeps QC 0. Behaviour, not the file's text.

    Mutations checked (each fails here; the old test, which read two SNR thresholds and counted
    19 rows, passed all but the first): the water SNR 5A threshold 900 -> 800 in the file; the
    DOF land row's operator '<' -> '<='; the tsurf_diff row's surface water -> all; a swapped
    pair of land/water mean AK thresholds (0.75 <-> 0.50)."""
    from satcol.core.config import REPO_DIR

    table = filters.load_filter_file(REPO_DIR / "config/filters/hedelius2019.yaml")
    ops = {"<": np.less, ">": np.greater}
    rows, expect = [], []
    for field, rules in H19_TABLE3.items():
        thresholds = sorted({t for r in rules.values() for _, t in r})
        for thr in thresholds:
            d = 1e-3 * max(abs(thr), 1e-3)
            for value in (thr - d, thr, thr + d):
                for surface, name in ((1, "land"), (0, "water")):
                    rows.append({**GOOD, field: value, "surface": surface})
                    expect.append((field, any(ops[o](value, t) for o, t in rules.get(name, []))))
    df = pd.DataFrame(rows)
    qc = filters.apply_filters(df, table, np.zeros(len(df), np.uint32))
    for i, (field, excluded) in enumerate(expect):
        bit = qcmod.mask_of(qcmod.filter_bit(field))
        assert bool(qc[i] & bit) == excluded, (field, df.iloc[i][field], df.iloc[i]["surface"])
        assert (qc[i] == 0) == (not excluded), (field, df.iloc[i][field], df.iloc[i]["surface"])
    good = filters.apply_filters(pd.DataFrame([{**GOOD, "surface": s} for s in (0, 1)]), table, np.zeros(2, np.uint32))
    assert (good == 0).all()


def test_cf_flag_attributes_cover_every_bit():
    attrs = qcmod.cf_flag_attributes()
    assert len(attrs["flag_masks"]) == len(attrs["flag_meanings"].split()) == len(qcmod.QC_BITS)
    assert len(set(int(m) for m in attrs["flag_masks"])) == len(qcmod.QC_BITS)


def test_group_ids_equal_numpy_unique_rows():
    from satcol.core import binstats

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
    from satcol.instruments.mopitt.qcchain import unix_seconds

    us = np.random.default_rng(2).integers(9e14, 2e15, 50000)  # 1998-2033, microseconds
    t = pd.Series(pd.to_datetime(us, unit="us", utc=True))
    t.iloc[7] = pd.NaT
    ref = (t - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy()
    np.testing.assert_array_equal(unix_seconds(t), ref)
    assert np.isnan(unix_seconds(t)[7]) and unix_seconds(t)[0] == us[0] / 1e6


def test_partial_diagnostics_equal_a_direct_groupby():
    """The filter diagnostics' partial sums (one pass per candidate for all three kinds, issue 22)
    equal a direct pandas groupby of each subset: the anomaly sums of the soundings in a valid
    region with a finite anomaly, and the histograms of all and of the prefiltered soundings,
    per (bin, surface, pixel), with NaN (bin -2), +inf (bin -2, as NaN), below-range (-1) and
    above-range (n) values. Checked to fail when the non-finite anomalies are kept, when the
    prefiltered histogram counts every sounding, and when the bins of the in-place packed code
    are offset by one."""
    rng = np.random.default_rng(7)
    m = 5000
    df = pd.DataFrame({"surface": rng.integers(0, 3, m), "pixel": rng.integers(1, 5, m),
                       "dof": rng.uniform(0.5, 2.5, m), "sza": rng.uniform(-10.0, 100.0, m)})
    df.loc[rng.random(m) < 0.05, "dof"] = np.nan
    df.loc[rng.random(m) < 0.01, "dof"] = np.inf
    anomaly = rng.normal(0.0, 5.0, m)
    anomaly[rng.random(m) < 0.03] = np.nan
    in_sra = rng.random(m) < 0.6
    pre = rng.random(m) < 0.7
    cands = {"dof": {"bins": [1.0, 2.0, 5]}, "sza": {"bins": [0.0, 80.0, 8]}}
    got = filters.partial_diagnostics(df, anomaly, in_sra, pre, cands)
    for name, c in cands.items():
        lo, hi, n = c["bins"]
        v = df[name].to_numpy()
        b = np.where(np.isfinite(v), np.clip(np.floor((v - lo) / (hi - lo) * n), -1, n), -2).astype(int)
        for kind, rows, val in (("anomaly", in_sra & np.isfinite(anomaly), anomaly),
                                ("hist_all", np.ones(m, bool), np.ones(m)), ("hist_prefiltered", pre, np.ones(m))):
            ref = (pd.DataFrame({"bin": b[rows], "surface": df["surface"].to_numpy()[rows],
                                 "pixel": df["pixel"].to_numpy()[rows], "v": val[rows]})
                   .groupby(["bin", "surface", "pixel"], as_index=False)
                   .agg(n=("v", "size"), sum=("v", "sum"), sumsq=("v", lambda x: float(np.sum(x * x)))))
            g = got[(got["candidate"] == name) & (got["kind"] == kind)].reset_index(drop=True)
            np.testing.assert_array_equal(g[["bin", "surface", "pixel"]].to_numpy(), ref[["bin", "surface", "pixel"]].to_numpy())
            np.testing.assert_array_equal(g["n"], ref["n"])
            np.testing.assert_allclose(g["sum"], ref["sum"], rtol=1e-12, atol=1e-9)
            np.testing.assert_allclose(g["sumsq"], ref["sumsq"], rtol=1e-12)
            np.testing.assert_array_equal(g["sw"], g["n"])
            np.testing.assert_array_equal(g["swx"], g["sum"])
        assert {-1, n}.issubset(set(got.loc[got["candidate"] == name, "bin"]))  # below and above the range
    assert -2 in set(got.loc[got["candidate"] == "dof", "bin"])  # NaN and inf
    # Only the kinds asked for, in the same rows as the full call.
    two = filters.partial_diagnostics(df, anomaly, in_sra, pre, cands, kinds=("anomaly", "hist_prefiltered"))
    pd.testing.assert_frame_equal(two, got[got["kind"] != "hist_all"].reset_index(drop=True), check_exact=True)


def test_feature_correction_piecewise_and_linear():
    """The correction subtracted from XCO (H19 Sect. 3.4): zero at the breakpoint, slope_below x
    (f - b) below it and slope_above x (f - b) above it for the piecewise model, linear_slope x
    (f - b) for the linear one; NaN where the feature is NaN, and apply_accepted adds only the
    fits of the sounding's surface and leaves non-finite corrections out. Checked to fail with
    the two slopes swapped and with the breakpoint not subtracted."""
    f = np.array([0.0, 1.0, 2.0, 3.5, np.nan])
    pw = {"model": "piecewise", "breakpoint": 2.0, "slope_below": -1.5, "slope_above": 4.0, "surface": 1,
          "candidate": "dof", "linear_slope": 9.0}
    np.testing.assert_array_equal(feature_bias.correction(pw, f), [3.0, 1.5, 0.0, 6.0, np.nan])
    lin = {**pw, "model": "linear", "surface": 0}
    np.testing.assert_array_equal(feature_bias.correction(lin, f), [-18.0, -9.0, 0.0, 13.5, np.nan])
    df = pd.DataFrame({"surface": [1, 1, 0, 1, 1], "dof": f})
    np.testing.assert_array_equal(feature_bias.apply_accepted(df, [pw, lin]), [3.0, 1.5, 0.0, 6.0, 0.0])
