"""OSSE: the QC chain recovers what synthetic.truth injected, and follows it when it changes.

Runs generation -> files -> ingest -> the full QC chain (the workflow's own stage functions, in
memory) on one year around the 2009-07-28 event. The same seed gives the same noise, so the
change in what is recovered isolates the change in what was injected.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from satcol.core import store
from satcol.core.config import REPO_DIR, instrument_config, load_config
from satcol.core.timeutil import day_start_unix
from satcol.instruments.mopitt import filters, qcchain
from satcol.osse import recovery
from satcol.pipeline import ingest
from satcol.synthetic import calendar, mopitt, mopitt_writer

SYN = {"start": "2009-01-01", "end": "2009-12-31", "days_per_month": 1, "orbits_per_day": 1}


def run_osse(tmp_path, fb_options=None, **truth):
    cfg = instrument_config(load_config(overrides={"synthetic": {**SYN, "truth": truth},
                                                   "instruments": {"mopitt": {"feature_bias": fb_options or {}}}}))
    syn = cfg["synthetic"]
    tables = {}
    for ym in calendar.months(syn["start"], syn["end"]):
        files = []
        for day in calendar.days_of_month(ym, syn["days_per_month"]):
            fields, _ = mopitt.simulate_day(day, syn)
            files.append(mopitt_writer.write_mop02(tmp_path / mopitt_writer.file_name(day, "19.9.3"), fields, day, "19.9.3"))
        ingest.ingest_mopitt_month(ym, files, tmp_path / f"{ym}.parquet", tmp_path / f"{ym}.nc", cfg)
        tables[ym] = store.read_soundings(tmp_path / f"{ym}.parquet")
    origin = day_start_unix(dt.date(2009, 1, 1))
    cands = filters.load_candidates(REPO_DIR / "config/filters/candidates.yaml")
    ft = {"table": filters.load_filter_file(REPO_DIR / "config/filters/hedelius2019.yaml"),
          "l3": filters.load_filter_file(REPO_DIR / "config/filters/l3.yaml")}
    result = qcchain.run_chain(tables, cfg, origin, cands, ft)
    rec = recovery.recovery_table(result["final_fits"], result["final_bins"], result["feature_fits"], cfg, origin,
                                  cands["max_adjacent_diff"]["breakpoints"]).set_index("quantity")
    return result, rec


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    return run_osse(tmp_path_factory.mktemp("osse_base"))


def offsets(rec):
    return rec[rec.index.str.contains("_offset_ppb|_step")]


def test_baseline_finds_the_feature_bias_and_filtering_lowers_rms(baseline):
    """Absolute recovery within tolerance is checked on the default 5-year record
    (tests/pipeline/test_workflow.py::test_default_run_recovers_the_injected_truth); one year with
    five months after the event is too short for the trend tolerance."""
    result, rec = baseline
    assert rec.loc["feature_bias_max_adjacent_diff_land_accepted", "recovered"] == 1.0
    assert rec.loc["feature_bias_other_candidates_accepted", "recovered"] == 0.0
    # H19's fixed breakpoint (the default): reported at 100 ppb, not scored against the injected 110.
    row = rec.loc["feature_bias_breakpoint_ppb"]
    assert (row["injected"], row["recovered"], row["scored"]) == (110.0, 100.0, False)
    # Filtering lowers the SRA RMS (H19: 3.84 -> 2.55 ppb).
    assert result["rms_filtered"] < result["rms_prefiltered"]


def follow(rec0, rec1, pattern):
    r0, r1 = rec0[rec0.index.str.contains(pattern)], rec1[rec1.index.str.contains(pattern)]
    return r1["injected"] - r0["injected"], r1["recovered"] - r0["recovered"]


def test_recovered_pixel_offsets_follow_the_injected_change(baseline, tmp_path):
    _, rec0 = baseline
    _, rec1 = run_osse(tmp_path, pixel_bias_ppb={"1": 2.0, "2": 1.0, "3": 0.5, "4": 1.5})
    d_inj, d_rec = follow(rec0, rec1, "_offset_ppb|_step")
    # Pixel 1 moved by +5 ppb; relative to the weighted all-pixel mean it moves by about
    # 5 (1 - w1/W) and the others by -5 w1/W.
    assert d_inj["pixel1_land_period0_offset_ppb"] == pytest.approx(5 * 0.75, abs=0.4)
    # Not noise-free: the offset also rescales the retrieved profile, hence the injected feature
    # bias and the accepted feature correction, by pixel. Half the recovery tolerance.
    np.testing.assert_allclose(d_rec.to_numpy(), d_inj.to_numpy(), atol=0.15)


def test_recovered_lines_follow_the_injected_seasonal_amplitude(baseline, tmp_path):
    """Doubling pixel 1's seasonal amplitude over land (1.5 -> 3 ppb) moves the truth's lines of
    the relative bias (recovery.truth_lines: offsets by ~1.5 ppb and trends by ~5 ppb/yr over
    these 7- and 5-month periods) and the recovered lines follow: offsets within half the
    recovery tolerance, trends within 10 % of the largest change; water does not move. A step
    is the difference of two lines at the event (satcol.osse.recovery), each followed within
    half the tolerance, so the steps follow within the whole tolerance (0.3 ppb). Their truth
    barely moves (0.02 ppb); the recovered ones differed from it by 0.10-0.17 ppb on one machine
    and by less than 0.15 on another, with the same code (probably last-bit floating-point
    differences between the machines changing which soundings the filters keep).
    (Checked to fail when the truth's lines leave out the seasonal term: the injected offsets
    then do not move and the recovered ones move by up to 1.6 ppb.)"""
    _, rec0 = baseline
    _, rec1 = run_osse(tmp_path, pixel_seasonal_ppb={"land": {"1": 3.0}})
    d_inj, d_rec = follow(rec0, rec1, "land_period._offset_ppb")
    assert np.abs(d_inj).max() > 1.0
    np.testing.assert_allclose(d_rec.to_numpy(), d_inj.to_numpy(), atol=0.15)
    d_inj, d_rec = follow(rec0, rec1, "land_step")
    assert len(d_inj) == 4
    np.testing.assert_allclose(d_rec.to_numpy(), d_inj.to_numpy(), atol=recovery.TOL_OFFSET)
    d_inj, d_rec = follow(rec0, rec1, "land_period._trend")
    assert np.abs(d_inj).max() > 3.0
    np.testing.assert_allclose(d_rec.to_numpy(), d_inj.to_numpy(), atol=0.1 * np.abs(d_inj).max())
    d_inj, d_rec = follow(rec0, rec1, "water_period._offset_ppb|water_step")
    assert (d_inj == 0).all()
    np.testing.assert_allclose(d_rec.to_numpy(), 0.0, atol=0.05)


def _land_fit(result, candidate="max_adjacent_diff"):
    f = result["feature_fits"]
    return f[(f["candidate"] == candidate) & (f["surface"] == 1)].iloc[0]


def test_recovered_breakpoint_follows_an_off_grid_injected_breakpoint(baseline, tmp_path):
    """An injected breakpoint at 140 ppb, between the candidate breakpoints 120 and 150, with a
    steeper slope above it (fewer soundings carry the bias up there: H19's 3 % criterion). Under
    ``feature_bias.breakpoint: search`` the fit picks the nearest candidate, 150 ppb, and the
    breakpoint row is scored within half the local grid spacing (15 ppb; 120 would fail). H19 fix
    the breakpoint at 100 ppb (the default), where the row is reported, not scored. The slopes
    fitted at 150 instead of 140 miss the 10 % tolerance (0.236 for 0.2 above the break): the
    grid's miss, kept visible (scored, not ok)."""
    result, rec = run_osse(tmp_path, fb_options={"breakpoint": "search"},
                           feature_bias={"breakpoint_ppb": 140.0, "slope_above": 0.2})
    row = rec.loc["feature_bias_breakpoint_ppb"]
    assert (row["recovered"], row["tolerance"], row["scored"], row["ok"]) == (150.0, 15.0, True, True)
    assert rec.loc["feature_bias_max_adjacent_diff_land_accepted", "recovered"] == 1.0
    assert rec.loc["feature_bias_other_candidates_accepted", "recovered"] == 0.0
    above = rec.loc["feature_bias_slope_above"]
    assert above["scored"] and above["tolerance"] == pytest.approx(0.02)
    assert _land_fit(baseline[0])["breakpoint"] == 100.0


def test_without_an_injected_feature_bias_nothing_is_accepted(baseline, tmp_path):
    """With no feature bias injected, no candidate passes H19's 3 % criterion and the fitted
    slope against the maximum adjacent-level difference is near zero; with the injected bias the
    same fit cuts the land SRA RMS more than twice as much as the criterion asks, and the overall
    RMS (land and water, H19's criterion) by more than the criterion.

    (An earlier synthetic clipped large profile oscillations at 5 % of the profile, which broke
    their XCO neutrality: those soundings carried large XCO errors exactly where the feature is
    large, which looked like a feature bias of its own and steepened the fitted slope. The
    oscillation is now applied in log10 VMR and is XCO-neutral.)"""
    base, _ = baseline
    none, rec = run_osse(tmp_path, feature_bias={"intercept_ppb": 0.0, "slope_below": 0.0, "slope_above": 0.0})
    assert rec.loc["feature_bias_other_candidates_accepted", "recovered"] == 0.0
    assert rec.loc["feature_bias_max_adjacent_diff_land_accepted", "recovered"] == 0.0
    with_bias, without = _land_fit(base), _land_fit(none)
    assert with_bias["reduction_piecewise_surface"] > 2 * 0.03  # the land RMS
    assert with_bias["reduction"] > 0.03  # the overall RMS (H19's criterion)
    assert without["reduction"] < 0.03
    assert abs(without["slope_above"]) < 0.02


# --- The scoring itself (library level, no pipeline) ---

DEFAULT_TRUTH = load_config()["synthetic"]["truth"]
ZERO = {"1": 0.0, "2": 0.0, "3": 0.0, "4": 0.0}


def test_truth_lines_of_a_line_truth_are_its_relative_offsets_trends_and_steps():
    """With no seasonal or curved part, the truth's lines are exact: offset and trend minus their
    (weighted) all-pixel means, and the step likewise (a derivation, not a fit)."""
    truth = {**DEFAULT_TRUTH, "pixel_curvature_ppb_per_year2": ZERO, "pixel_seasonal_ppb": {"land": ZERO, "water": ZERO}}
    shares = pd.DataFrame([(s, k, p, w) for s in (0, 1) for k in (0, 1) for p, w in zip(range(1, 5), (0.3, 0.3, 0.1, 0.3), strict=True)],
                          columns=["surface", "period", "pixel", "share"])
    lines = recovery.truth_lines(truth, "2007-01-01", "2011-12-31", ["2009-07-28"], shares)
    w = np.array([0.3, 0.3, 0.1, 0.3])
    off = np.array([-3.0, 1.0, 0.5, 1.5])
    tr = np.array([0.3, -0.2, 0.1, -0.2])
    st = np.array([1.0, -0.6, 0.8, -1.2])
    p0 = lines[(lines["surface"] == 1) & (lines["period"] == 0)]
    np.testing.assert_allclose(p0["offset_ppb"], off - w @ off, atol=1e-9)
    np.testing.assert_allclose(p0["trend_ppb_per_year"], tr - w @ tr, atol=1e-9)
    p1 = lines[(lines["surface"] == 0) & (lines["period"] == 1)]
    years = (day_start_unix(dt.date(2009, 7, 28)) - day_start_unix(dt.date(2007, 1, 1))) / recovery.SECONDS_PER_YEAR
    np.testing.assert_allclose(p1["offset_ppb"], (off + tr * years + st) - w @ (off + tr * years + st), atol=1e-9)


def test_truth_lines_carry_the_seasonal_part_as_a_least_squares_projection():
    """A pure annual harmonic A cos(2 pi (doy - phase) / 365.25) over one period of T years has
    the least-squares slope 12 / T^3 int_0^T (t - T/2) c(t) dt and mean offset; computed here by
    quadrature of the continuous function (independent of the daily grid of truth_lines)."""
    from scipy.integrate import quad

    amp = {"1": 2.0, "2": 0.0, "3": 0.0, "4": 0.0}
    truth = {**DEFAULT_TRUTH, "pixel_bias_ppb": ZERO, "pixel_trend_ppb_per_year": ZERO, "pixel_bias_step_ppb": ZERO,
             "pixel_curvature_ppb_per_year2": ZERO, "pixel_seasonal_ppb": {"land": amp, "water": ZERO},
             "pixel_seasonal_phase_day": {"1": 100.0, "2": 0.0, "3": 0.0, "4": 0.0}}
    lines = recovery.truth_lines(truth, "2009-01-01", "2010-08-31", [])
    row = lines[(lines["surface"] == 1) & (lines["pixel"] == 1)].iloc[0]
    t0 = day_start_unix(dt.date(2009, 1, 1))
    T = (day_start_unix(dt.date(2010, 9, 1)) - t0) / recovery.SECONDS_PER_YEAR

    def rel(t_years):  # pixel 1 minus the equal-weight all-pixel mean: 3/4 of its own harmonic
        doy = mopitt.truth.day_of_year(t0 + t_years * recovery.SECONDS_PER_YEAR)
        return 0.75 * 2.0 * np.cos(2 * np.pi * (doy - 100.0) / 365.25)

    slope = 12.0 / T**3 * quad(lambda x: (x - T / 2) * rel(x), 0, T, limit=200)[0]
    mean = quad(rel, 0, T, limit=200)[0] / T
    assert abs(slope) > 0.2  # the harmonic aliases into the line over 1.7 years
    assert row["trend_ppb_per_year"] == pytest.approx(slope, abs=0.01)
    assert row["offset_ppb"] + row["trend_ppb_per_year"] * T / 2 == pytest.approx(mean, abs=0.01)


def test_default_tolerances_are_below_the_injected_effects():
    """Item 6: each scored pixel tolerance is smaller than the smallest injected effect it checks
    (relative to the all-pixel mean), the trend tolerance smaller than every nonzero trend."""
    eff = recovery.smallest_effects(DEFAULT_TRUTH)
    assert recovery.TOL_TREND < eff["trend"]
    assert recovery.TOL_OFFSET < eff["offset"]
    assert recovery.TOL_OFFSET < eff["step"]
    # The default breakpoint is off the candidate grid, and its tolerance below the grid spacing.
    grid = filters.load_candidates(REPO_DIR / "config/filters/candidates.yaml")["max_adjacent_diff"]["breakpoints"]
    bp = DEFAULT_TRUTH["feature_bias"]["breakpoint_ppb"]
    assert bp not in grid
    tol = recovery.breakpoint_tolerance(bp, grid)
    assert tol < min(np.diff(sorted(grid)))
    assert DEFAULT_TRUTH["feature_bias"]["intercept_ppb"] != 0


def _fits(breakpoint, below, above):
    return pd.DataFrame([{"candidate": "max_adjacent_diff", "surface": 1, "accepted": True, "model": "piecewise",
                          "breakpoint": breakpoint, "slope_below": below, "slope_above": above, "linear_slope": 0.0}])


def test_feature_rows_score_the_breakpoint_only_when_searched_and_slopes_within_ten_percent():
    grid = [40, 60, 80, 100, 120, 150, 200]
    fixed = pd.DataFrame(recovery.feature_rows(_fits(100.0, 0.0105, 0.075), DEFAULT_TRUTH, options={"breakpoint": "fixed"},
                                               candidate_breakpoints=grid)).set_index("quantity")
    assert not fixed.loc["feature_bias_breakpoint_ppb", "scored"]
    assert fixed.loc["feature_bias_slope_above", "ok"] and fixed.loc["feature_bias_slope_below", "ok"]
    wrong = pd.DataFrame(recovery.feature_rows(_fits(80.0, 0.012, 0.0715), DEFAULT_TRUTH, options={"breakpoint": "search"},
                                               candidate_breakpoints=grid)).set_index("quantity")
    # 80 ppb is 30 from the injected 110 (tolerance 10); slopes 20 % and 11 % off.
    assert wrong["scored"].all()
    assert not wrong.loc[["feature_bias_breakpoint_ppb", "feature_bias_slope_below", "feature_bias_slope_above"], "ok"].any()
    for r in (100.0, 120.0):
        right = pd.DataFrame(recovery.feature_rows(_fits(r, 0.01, 0.08), DEFAULT_TRUTH, options={"breakpoint": "search"},
                                                   candidate_breakpoints=grid)).set_index("quantity")
        assert right["ok"].all()


def test_outliers_grow_smoothly_below_the_threshold():
    """No step at the reference: the factor is continuous and monotone, 1 at the reference."""
    x = np.linspace(300.0, 2000.0, 2001)
    f = mopitt.outlier_factor(x, 500.0, 10.0)
    assert f[np.argmin(np.abs(x - 500.0))] == pytest.approx(1.0, abs=0.02)
    assert np.all(np.diff(f) < 0) and np.abs(np.diff(f)).max() < 0.01
    assert 0.0 < mopitt.outlier_factor(700.0, 500.0, 10.0) < 0.1  # what the filter leaves
