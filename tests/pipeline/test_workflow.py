"""The Snakemake workflow end to end on a tiny config, in a scratch working directory."""

import json
import re
import shutil
import subprocess

import h5py
import numpy as np
import pytest
import yaml
from helpers import REPO, SNAKEMAKE, TINY, snakemake

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    wd = tmp_path_factory.mktemp("tiny")
    snakemake(wd, config=TINY)
    return wd


def count_soundings(files):
    n = 0
    for f in files:
        with h5py.File(f) as h:
            n += h["HDFEOS/SWATHS/MOP02/Geolocation Fields/Latitude"].shape[0]
    return n


def test_tiny_run_accounts_for_every_sounding(tiny_run):
    summary = json.loads((tiny_run / "results/summary.json").read_text())
    written = count_soundings(sorted((tiny_run / "results/synthetic/mopitt").glob("*.he5")))
    s = summary["soundings"]
    assert s["total"] == written > 0
    assert s["kept"] + s["flagged"] == s["total"]
    assert sum(s["by_surface"].values()) == s["total"]
    prov = summary["provenance"]
    assert prov["satcol_version"] and prov["config_sha256"] and prov["git_commit"]
    assert len(prov["input_sha256"]) == len(list((tiny_run / "results/synthetic").rglob("*.he5"))) + len(summary["tccon"]["sites"])
    assert summary["tccon"]["sites"] and all(v["n_measurements"] > 0 for v in summary["tccon"]["sites"].values())


def test_corrected_columns_carry_provenance_and_qc_meanings(tiny_run):
    import pandas as pd
    import pyarrow.parquet as pq

    path = tiny_run / "results/mopitt/corrected/2009-07/soundings.parquet"
    meta = pq.read_schema(path).metadata
    prov = json.loads(meta[b"satcol_provenance"])
    assert prov["config_sha256"] and prov["git_commit"]
    # The month's store is named by the L2 files it was built from (as ingest hashed them).
    store_report = json.loads((tiny_run / "results/mopitt/store/2009-07/report.json").read_text())
    l2 = store_report["provenance"]["input_sha256"]
    assert l2 and all(k.startswith("MOP02") and prov["input_sha256"][k] == v for k, v in l2.items())
    assert any(k.endswith("qc/2009-07/filtered.parquet") for k in prov["input_sha256"])
    assert "filter_max_adjacent_diff" in json.loads(meta[b"qc_flags"])["flag_meanings"]
    df = pd.read_parquet(path)
    summary = json.loads((tiny_run / "results/summary.json").read_text())
    assert len(df) == summary["soundings"]["total"]
    # The corrected column is the original minus the two corrections, beside it.
    diff = df["xgas"] - df["feature_correction"] - df["pixel_correction"] - df["xgas_corrected"]
    assert abs(diff[df["qc"] == 0]).max() < 1e-3


def test_export_files_are_cf_and_keep_every_sounding(tiny_run):
    """Issue #5: the per-sounding and super-observation files of a run pass the CF checker with
    no errors, open in xarray with self-describing variables, and keep flagged soundings with
    their bits; the super-observations use exactly the kept soundings."""
    import xarray as xr
    from test_export import cf_errors

    snd_path = tiny_run / "results/mopitt/export/2009-07/mopitt_xco_soundings_2009-07.nc"
    so_path = tiny_run / "results/mopitt/export/2009-07/mopitt_xco_superobs_2009-07.nc"
    for path in (snd_path, so_path):
        assert cf_errors(path, "cf:1.8") == [] and cf_errors(path, "cf") == [], path
    summary = json.loads((tiny_run / "results/summary.json").read_text())
    with xr.open_dataset(snd_path) as snd, xr.open_dataset(so_path) as so:
        assert snd.sizes["sounding"] == summary["soundings"]["total"]
        flagged = snd["qc"].values != 0
        assert flagged.sum() == summary["soundings"]["total"] - summary["qc"]["soundings"]["kept"] > 0
        night = snd["qc"].attrs["flag_masks"][snd["qc"].attrs["flag_meanings"].split().index("night")]
        assert ((snd["qc"].values & night) != 0).sum() == summary["qc"]["counts_per_bit"]["night"]
        for v in snd.data_vars.values():
            assert "long_name" in v.attrs, v.name
        assert snd.attrs["satcol_config_sha256"] and snd.attrs["satcol_git_commit"]
        # Profiles and kernels of the kept soundings only (export.profiles: kept, CF gathering).
        np.testing.assert_array_equal(snd["kept_sounding"], np.flatnonzero(~flagged))
        assert snd["averaging_kernel"].dims == ("kept_sounding", "level", "level_in")
        assert int(so["n_soundings"].sum()) == int((~flagged).sum())
        assert (so["xco_error_retrieval"] >= 0).all() and np.isfinite(so["xco"]).all()
        assert so["error_correlation_land"].attrs["length_km"] > 0
    assert summary["export"]["superobs"]["n_soundings_used"] == summary["qc"]["soundings"]["kept"]


def test_rerun_has_nothing_to_do(tiny_run):
    r = snakemake(tiny_run, "-n", config=TINY)
    assert "Nothing to be done" in r.stdout + r.stderr


def test_real_data_mode_reads_the_same_files(tiny_run, tmp_path):
    """Point the workflow at files on disk (as with real data): same counts as the OSSE run."""
    data = tmp_path / "data"
    shutil.copytree(tiny_run / "results/synthetic/mopitt", data / "mopitt")
    shutil.copytree(tiny_run / "results/synthetic/tccon", data / "tccon")
    (data / "mopitt" / "MOP02J-20090720-L2V19.9.3.he5").write_bytes(b"")  # a broken extra day
    cfg = {"synthetic": {"enabled": False}, "on_bad_input": "skip", "input": {"tccon": str(data / "tccon/*.public.nc")},
           "instruments": {"mopitt": {**TINY["instruments"]["mopitt"], "input": str(data / "mopitt/MOP02J-*.he5")}}}
    snakemake(tmp_path, config=cfg)
    summary = json.loads((tmp_path / "results/summary.json").read_text())
    ref = json.loads((tiny_run / "results/summary.json").read_text())
    assert summary["soundings"]["total"] == ref["soundings"]["total"]
    assert summary["skipped"]["by_reason"] == {"unreadable": 1}
    assert summary["skipped"]["files"][0]["file"].endswith("MOP02J-20090720-L2V19.9.3.he5")
    assert summary["synthetic"] is False


def test_bad_file_fails_the_run_naming_it(tiny_run, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(tiny_run / "results/synthetic/mopitt", data / "mopitt")
    (data / "mopitt" / "MOP02J-20090720-L2V19.9.3.he5").write_bytes(b"")
    cfg = {"synthetic": {"enabled": False}, "input": {"tccon": "none/*.nc"},
           "instruments": {"mopitt": {"input": str(data / "mopitt/MOP02J-*.he5")}}}
    r = snakemake(tmp_path, config=cfg, check=False)
    assert r.returncode != 0
    assert "MOP02J-20090720-L2V19.9.3.he5: cannot open as HDF5" in r.stderr + r.stdout


def test_unknown_config_key_stops_the_run(tmp_path):
    r = snakemake(tmp_path, "-n", config={"synthetic": {"orbits_per_dya": 2}}, check=False)
    assert r.returncode != 0
    assert "orbits_per_dya" in r.stderr + r.stdout


def test_wrong_type_stops_the_run(tmp_path):
    r = snakemake(tmp_path, "-n", config={"synthetic": {"days_per_month": "two"}}, check=False)
    assert r.returncode != 0
    assert "days_per_month" in r.stderr + r.stdout and "not of type" in r.stderr + r.stdout


def test_configfile_overrides_default_key_by_key(tmp_path):
    """A --configfile naming one key keeps every other value of config/config.yaml."""
    default = yaml.safe_load((REPO / "config/config.yaml").read_text())
    r = snakemake(tmp_path, "-n", config={"synthetic": {"end": "2007-02-28"}}, quiet=False)
    out = r.stdout + r.stderr
    # Default start 2007-01 kept, end overridden: exactly two months planned.
    assert default["synthetic"]["start"] == "2007-01-01"
    assert "results/mopitt/store/2007-01/report.json" in out and "results/mopitt/store/2007-02/report.json" in out
    assert "2007-03" not in out


def test_lint_is_clean():
    r = subprocess.run(SNAKEMAKE + ["--lint"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Congratulations, your workflow is in a good condition" in r.stdout + r.stderr


def test_slurm_profile_plans_the_dag(tmp_path):
    r = subprocess.run(SNAKEMAKE + ["-n", "--profile", "profiles/slurm", "--directory", str(tmp_path)],
                       cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    assert re.search(r"^ingest\s+\d+$", r.stdout, re.M)  # the ingest jobs in the job table


#: Scored rows of the default run's recovery.csv that miss their tolerance on the realistic truth
#: (issue 19 item 5), each named in docs/osse.md (section "Default run, what it recovers") with the
#: miss, its cause and what would fix it. Measured on the default run of 2026-12-07 (commit 0bb518e).
DOCUMENTED_MISSES = {
    # The annual harmonic of the pixel bias aliases into H19's weighted line fits: the land bins'
    # weights vary by season (0.7-1.2 of their mean by month). The truth passed through the
    # pipeline's own bins and weights gives the recovered trends within 0.03 ppb/yr.
    "pixel1_land_period0_trend_ppb_per_year",
    "pixel3_land_period0_trend_ppb_per_year",
    "pixel3_land_period1_trend_ppb_per_year",
    # The same aliasing (+0.21 ppb) plus the low-SNR outlier bias that the SNR 5A filter leaves
    # in pixel 3, the noisiest detector, over land.
    "pixel3_land_period1_offset_ppb",
    # H19's fixed breakpoint (100 ppb) against an injected 110 ppb with its own intercept.
    "feature_bias_slope_below",
    "feature_bias_slope_above",
    # Method II, overall and per surface (tolerance 0.2 %): a bias of +0.47 % over six seeds
    # (land +0.51, water +0.20; benchmarks/seed_study.py), not noise (+0.37 % noise-free): the
    # TCCON side of method II is a scaled prior that misses the near-surface plumes TCCON's
    # kernel (about 0.7 near the surface) only partly sees. docs/mopitt-h19.md "TCCON validation (H19 Sect. 4)".
    "global_scale_method_II_ggg2020_xco_scale_not_used",
    "global_scale_method_II_ggg2020_xco_scale_not_used_land",
    "global_scale_method_II_ggg2020_xco_scale_not_used_water",
    # The seasonal pixel bias that H19's line correction leaves is correlated within a pixel and
    # not in the error budget: half-cell super-observations split by pixel see it.
    "superobs_normalised_rms",
}


@pytest.mark.slow
def test_default_run_recovers_the_injected_truth(tmp_path):
    """Issue #3 and issue 19 acceptance on the default synthetic run (the realistic truth):
    every scored row of recovery.csv within its tolerance (pixel offsets and steps 0.3 ppb,
    trends 0.05 ppb/yr, against the least-squares lines of the injected relative bias; feature
    slopes within 10 %) except the misses docs/osse.md names (DOCUMENTED_MISSES), the feature bias
    found and accepted, nothing accepted that was not injected, the breakpoint reported but not
    scored under H19's fixed breakpoint, SRA RMS lower after filtering, and every sounding
    accounted for."""
    import pandas as pd

    wd = tmp_path  # ~10 GB; removed when the test passes (tmp_path_retention_policy)
    # ~11 min alone on 2 cores; under pytest -n 2 it shares them with the other workflow tests.
    snakemake(wd, timeout=3600)
    rec = pd.read_csv(wd / "results/osse/recovery.csv").set_index("quantity")
    pixel = rec[rec.index.str.startswith("pixel")]
    assert len(pixel) == 2 * 4 * (2 * 2 + 1)  # 2 surfaces x 4 pixels x (offset, trend per period + step)
    assert pixel["scored"].all()
    # Every scored row holds, except the misses the README names with their cause.
    scored = rec[rec["scored"].astype(bool)]
    misses = set(scored.index[~scored["ok"].astype(bool)])
    assert misses <= DOCUMENTED_MISSES, scored.loc[sorted(misses - DOCUMENTED_MISSES)]
    assert DOCUMENTED_MISSES <= set(scored.index)  # the README names scored rows only
    assert rec.loc["feature_bias_max_adjacent_diff_land_accepted", "recovered"] == 1.0
    assert rec.loc["feature_bias_other_candidates_accepted", "recovered"] == 0.0
    # H19's fixed breakpoint (100 ppb) for an injected 110: reported, not scored.
    bp = rec.loc["feature_bias_breakpoint_ppb"]
    assert (bool(bp["scored"]), bp["injected"], bp["recovered"]) == (False, 110.0, 100.0)
    for q in ("feature_bias_slope_below", "feature_bias_slope_above"):
        assert rec.loc[q, "scored"] and rec.loc[q, "tolerance"] == pytest.approx(0.1 * abs(rec.loc[q, "injected"]))
    summary = json.loads((wd / "results/summary.json").read_text())
    q = summary["qc"]
    assert q["sra"]["rms_filtered_ppb"] < q["sra"]["rms_prefiltered_ppb"]
    assert q["soundings"]["kept"] + q["soundings"]["flagged"] == summary["soundings"]["total"]
    assert len(q["pixel_bias_fits"]) == 16
    assert (wd / "results/figures/fig1_pixel2_minus_pixel4.png").stat().st_size > 10_000
    # Issue #4: method II recovers the injected global scale within 0.5 %; the summary has the
    # tccon section for every method and variant, and LOSO.
    # The default TCCON files are GGG2020, whose XCO is on no WMO scale: one variant, the file's.
    row = "global_scale_method_II_ggg2020_xco_scale_not_used"
    assert rec.loc[row, "scored"] and (rec.loc[row, "ok"] or row in DOCUMENTED_MISSES), rec.loc[row]
    assert rec.loc["global_scale_method_II_ggg2020_xco_unscaled_not_available", "ok"]
    t = summary["tccon"]
    for m in ("method_0", "method_II", "method_III"):
        assert {"slope", "intercept", "slope_err", "intercept_err", "r2", "n", "bias_percent",
                "drift_percent_per_year", "drift_interval_95"} <= set(t[m]["standard"])
        assert t[m]["unscaled"]["available"] is False
    assert t["loso"]["overall"]["n_sites"] >= 5
    # Issue #5: the closed loop through the observation operator on the synthetic truth, and the
    # super-observation errors against held-out half-cells (which must fail when the errors are
    # taken as independent).
    # The closed loop's mean difference is scored at the injected global scale: the recovered
    # scale's own error is scored by the global_scale rows.
    for q in ("closed_loop_mean_difference_at_injected_scale_ppb", "closed_loop_normalised_rms",
              "superobs_normalised_rms", "superobs_normalised_rms_if_independent"):
        assert rec.loc[q, "scored"] and (rec.loc[q, "ok"] or q in DOCUMENTED_MISSES), rec.loc[q]
    assert rec.loc["superobs_normalised_rms_if_independent", "recovered"] > 1.2
    # Issue 21 acceptance on the default run: every scored GOSAT row holds (the GOSAT chain's own
    # job writes them, results/osse/recovery_gosat.csv), the corrected XCO2 biases over land and
    # ocean among them and within 0.1 ppm of zero (2026-12-07: +0.08 and -0.03 ppm, from -0.36
    # and -6.17 before the correction).
    gos = pd.read_csv(wd / "results/osse/recovery_gosat.csv").set_index("quantity")
    gscored = gos[gos["scored"].astype(bool)]
    assert gscored["ok"].astype(bool).all(), gscored[~gscored["ok"].astype(bool)]
    for q in ("gosat_xco2_land_bias_after_correction_ppm", "gosat_xco2_ocean_bias_after_correction_ppm"):
        assert q in gscored.index and abs(gos.loc[q, "recovered"]) <= 0.1, gos.loc[q]
    # Issue #6: every sounding of every month accounted for, through to the export.
    assert summary["conservation"]["all_conserved"]
    assert summary["export"]["soundings"]["exported"] == summary["soundings"]["total"]


SCALE_RUN = {"synthetic": {"start": "2010-01-01", "end": "2010-12-31", "days_per_month": 3, "orbits_per_day": 1}}


def recovered_scales(wd, global_scale):
    cfg = {"synthetic": {**SCALE_RUN["synthetic"], "truth": {"global_scale": global_scale}}}
    wd.mkdir(parents=True, exist_ok=True)
    snakemake(wd, "results/mopitt/validation/tccon.json", config=cfg)
    v = json.loads((wd / "results/mopitt/validation/tccon.json").read_text())
    out = {m: v[m]["standard"]["scale_factor"] for m in ("method_0", "method_II", "method_III")}
    for surface, f in v["method_II"]["standard"]["per_surface"].items():
        if "scale_factor" in f:  # a surface with at least 3 day points
            out[f"method_II_{surface}"] = f["scale_factor"]
    return out, v


def test_recovered_global_scale_follows_the_injected_scale(tmp_path):
    """Issue #4: changing synthetic.truth.global_scale moves the recovered scale with it, for
    every method and for method II's land (and, with 3 points or more, water) factor too
    (issue 19 item 9). Same seed, same soundings and noise: the change isolates the injected
    change."""
    a, va = recovered_scales(tmp_path / "a", 1.064)
    b, _ = recovered_scales(tmp_path / "b", 1.10)
    assert va["method_II"]["standard"]["n"] >= 3
    assert "method_II_land" in a and set(a) == set(b)
    for m in a:
        assert b[m] / a[m] == pytest.approx(1.10 / 1.064, abs=0.003), m
    assert va["method_II"]["standard"]["scale_factor_err"] >= va["method_II"]["standard"]["scale_factor_err_york"]
