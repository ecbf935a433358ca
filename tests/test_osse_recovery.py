"""OSSE: the QC chain recovers what synthetic.truth injected, and follows it when it changes.

Runs generation -> files -> ingest -> the full QC chain (the workflow's own stage functions, in
memory) on one year around the 2009-07-28 event. The same seed gives the same noise, so the
change in what is recovered isolates the change in what was injected.
"""

import datetime as dt

import numpy as np
import pytest

from satcol import filters, ingest, qcchain, recovery, store
from satcol.config import REPO_DIR, load_config
from satcol.synthetic import calendar, mopitt, mopitt_writer
from satcol.timeutil import day_start_unix

SYN = {"start": "2009-01-01", "end": "2009-12-31", "days_per_month": 1, "orbits_per_day": 1}


def run_osse(tmp_path, fb_options=None, **truth):
    cfg = load_config(overrides={"synthetic": {**SYN, "truth": truth}, "feature_bias": fb_options or {}})
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
    rec = recovery.recovery_table(result["final_fits"], result["final_bins"], result["feature_fits"], cfg, origin).set_index("quantity")
    return result, rec


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    return run_osse(tmp_path_factory.mktemp("osse_base"))


def offsets(rec):
    return rec[rec.index.str.contains("_offset_ppb|_step")]


def test_baseline_finds_the_feature_bias_and_filtering_lowers_rms(baseline):
    """Absolute recovery within tolerance is checked on the default 5-year record
    (tests/test_workflow.py::test_default_run_recovers_the_injected_truth); one year with
    five months after the event is too short for the trend and step tolerances."""
    result, rec = baseline
    assert rec.loc["feature_bias_max_adjacent_diff_land_accepted", "recovered"] == 1.0
    assert rec.loc["feature_bias_other_candidates_accepted", "recovered"] == 0.0
    assert abs(rec.loc["feature_bias_breakpoint_ppb", "recovered"] - 100.0) <= 25.0
    # Filtering lowers the SRA RMS (H19: 3.84 -> 2.55 ppb).
    assert result["rms_filtered"] < result["rms_prefiltered"]


def test_recovered_pixel_offsets_follow_the_injected_change(baseline, tmp_path):
    _, rec0 = baseline
    _, rec1 = run_osse(tmp_path, pixel_bias_ppb={"1": 2.0, "2": 1.0, "3": 0.5, "4": 1.5})
    d_inj = offsets(rec1)["injected"] - offsets(rec0)["injected"]
    d_rec = offsets(rec1)["recovered"] - offsets(rec0)["recovered"]
    # Pixel 1 moved by +5 ppb; relative to the weighted all-pixel mean it moves by about
    # 5 (1 - w1/W) and the others by -5 w1/W.
    assert d_inj["pixel1_land_period0_offset_ppb"] == pytest.approx(5 * 0.75, abs=0.4)
    # Not noise-free: the offset also rescales the retrieved profile, hence the injected feature
    # bias and the accepted feature correction, by pixel. Half the recovery tolerance.
    np.testing.assert_allclose(d_rec.to_numpy(), d_inj.to_numpy(), atol=0.15)


def _land_fit(result, candidate="max_adjacent_diff"):
    f = result["feature_fits"]
    return f[(f["candidate"] == candidate) & (f["surface"] == 1)].iloc[0]


def test_recovered_breakpoint_follows_the_injected_breakpoint(baseline, tmp_path):
    """Above 150 ppb fewer soundings carry the bias, so a steeper one is injected to pass H19's
    3 % criterion; the fit finds the new breakpoint and slope. H19 fix the breakpoint at 100 ppb
    (the default, ``feature_bias.breakpoint: fixed``); finding it is the ``search`` option."""
    result, rec = run_osse(tmp_path, fb_options={"breakpoint": "search"},
                           feature_bias={"breakpoint_ppb": 150.0, "slope_below": 0.0, "slope_above": 0.2})
    assert rec.loc["feature_bias_breakpoint_ppb", "recovered"] == 150.0
    assert rec.loc["feature_bias_max_adjacent_diff_land_accepted", "recovered"] == 1.0
    assert rec.loc["feature_bias_other_candidates_accepted", "recovered"] == 0.0
    assert rec.loc["feature_bias_slope_above", "recovered"] == pytest.approx(0.2, abs=0.02)
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
    none, rec = run_osse(tmp_path, feature_bias={"breakpoint_ppb": 100.0, "slope_below": 0.0, "slope_above": 0.0})
    assert rec.loc["feature_bias_other_candidates_accepted", "recovered"] == 0.0
    assert rec.loc["feature_bias_max_adjacent_diff_land_accepted", "recovered"] == 0.0
    with_bias, without = _land_fit(base), _land_fit(none)
    assert with_bias["reduction_piecewise_surface"] > 2 * 0.03  # the land RMS
    assert with_bias["reduction"] > 0.03  # the overall RMS (H19's criterion)
    assert without["reduction"] < 0.03
    assert abs(without["slope_above"]) < 0.02
