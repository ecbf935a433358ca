"""GOSAT in the workflow (issue 21 in the DAG): the instrument's declaration, and its chain
(rules/instruments/gosat_s23.smk) run through Snakemake on a small synthetic record.

The record: one year (2014), 2 days a month, the default ``synthetic.gosat`` with the test
settings of tests/validation/test_gosat_validation_e2e.py (retrieval noise 0.3 ppm, TCCON noise 0.1 ppm,
every clear ocean scene kept); its ocean match-ups come from the default design (TCCON files
at every site, glint soundings near the coastal sites). About 2 minutes on 2 shared cores,
twice (the second run with changed injected coefficients and an mlr_min_matchups above the
ocean's count, so that the unfitted ocean's visible failure is checked too).

Checked to fail: the fits read back with their intercepts set to 0 (run: the round-trip test
fails). By construction, not run: the correction added instead of subtracted puts the corrected
ocean bias near -13 ppm (the 0.1 ppm test); the OSSE scored against the default truth instead of
the configured one leaves ``injected`` at -6.5 and 5 (the changed-coefficient test); a GOSAT rule
reading a MOPITT section, or the reverse, changes the planned job sets (the rerun tests here and
in tests/pipeline/test_rerun.py).
"""

import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from helpers import REPO, snakemake

from satcol import instruments
from satcol.core import provenance
from satcol.core.config import deep_update, load_config
from satcol.core.errors import BadInputError
from satcol.instruments.gosat import mlr as gosat_mlr
from satcol.instruments.gosat import screening as gosat_screening
from satcol.pipeline import gosat as gw

SPECIES = ("xco2", "xch4")
CFG = {
    "synthetic": {
        "start": "2014-01-01", "end": "2014-12-31", "days_per_month": 1,
        "gosat": {"start": "2014-01-01", "end": "2014-12-31", "days_per_month": 2, "ocean_fraction": 1.0,
                  "truth": {"noise": {"xco2_ppm": 0.3, "xch4_ppb": 2.0},
                            "tccon_noise": {"xco2_ppm": 0.1, "xch4_ppb": 0.5}}},
    },
}
#: The changed injected coefficients: ocean intercept -6.5 -> -3.0 ppm, land AOT slope 5 -> 35 ppm
#: (4 SE of the land AOT slope are 12.3 ppm on this record, so the change must exceed twice that
#: to be told from the old value: at 20 the recovered 14.8 was within 4 SE of both; measured);
#: The rerun also sets mlr_min_matchups one above the record's ocean count (below the land's), so
#: that the ocean is left uncorrected (test_changed_injected_coefficients_are_recovered).
CHANGED = {"synthetic": {"gosat": {"truth": {"xco2_bias_ppm": {"ocean": {"intercept": -3.0}, "land": {"aot": 35.0}}}}}}
RULE = re.compile(r"^(?:local)?rule (\w+):$")


def _copy(d):
    return yaml.safe_load(yaml.safe_dump(d))


def planned_rules(wd, config, target="gosat_all") -> dict:
    """Rule -> number of jobs of a dry run (the target rule left out)."""
    r = snakemake(wd, target, "-n", config=config, quiet=False)
    out = {}
    for line in (r.stdout + r.stderr).splitlines():
        m = RULE.match(line.strip())
        if m and m.group(1) != target:
            out[m.group(1)] = out.get(m.group(1), 0) + 1
    return out


# --- the declaration and the plan (no Snakemake) -------------------------------------------------

def test_gosat_is_a_registered_instrument_with_the_s23_registry():
    g = instruments.get("gosat")
    assert "gosat" in instruments.available()
    assert [(s.export_name, s.units) for s in g.species] == [("xco2", "1e-6"), ("xch4", "1e-9")]
    assert g.grid.state_space == "vmr" and g.correction == "s23_mlr" and g.footprints is None
    scr = gosat_screening.load_screening(REPO / "config/instruments/gosat/screening_s23.yaml")
    # every screening bit (the fixed ones and one per S23 Table 3 criterion) at its number
    assert [(b.bit, b.name) for b in g.qc.bits] == [(b.bit, b.name) for b in scr.registry]
    assert len(g.qc.bits) == 3 + len(scr.criteria) + 1  # + mlr_not_fitted, set by the correction
    info = g.parse_filename("/x/GOSATTFTS20140301_02C02SV0305R140401GU000.h5")
    assert (info.date.isoformat(), info.species, info.version_key) == ("2014-03-01", "CH4", (3, 5))
    with pytest.raises(BadInputError, match="bad_filename"):
        g.parse_filename("/x/GOSATTFTS20140301_02C03SV0305R140401GU000.h5")  # the H2O product


def test_plan_covers_the_gosat_record_within_the_run():
    cfg = load_config(overrides=CFG)
    p = gw.plan(cfg)
    assert p.months == [f"2014-{m:02d}" for m in range(1, 13)] and all(len(d) == 2 for d in p.days.values())
    # the default config: MOPITT 2007-2011, GOSAT 2010-2011
    d = gw.plan(load_config())
    assert d.months[0] == "2010-01" and d.months[-1] == "2011-12"
    # a run before the GOSAT record (the workflow tests' tiny July 2009) plans no GOSAT job
    tiny = gw.plan(load_config(overrides={"synthetic": {"start": "2009-07-01", "end": "2009-07-31"}}))
    assert tiny.months == [] and "does not overlap" in tiny.reason
    off = gw.plan(load_config(overrides={"instruments": {"gosat": {"enabled": False}}}))
    assert off.months == [] and "enabled" in off.reason


def test_fits_round_trip_through_the_coefficients_table():
    """The validation and correction jobs read the fit back from its CSV: the same predictions."""
    rng = np.random.default_rng(3)
    n = 400
    t = {"aot_1p6": rng.uniform(0, 0.3, n), "dps_hpa": rng.normal(0, 5, n), "albedo_o2a": rng.uniform(0.1, 0.4, n),
         "surface": np.repeat([0, 1], n // 2)}
    delta = -6.5 * (t["surface"] == 0) + 4 * t["aot_1p6"] + 0.1 * t["dps_hpa"] + rng.normal(0, 0.1, n)
    terms = {"correct": True, "land": ["aot_1p6", "dps_hpa", "albedo_o2a"], "ocean": ["aot_1p6", "dps_hpa"]}
    fits = gosat_mlr.fit(delta, t, terms, "xco2")
    back = gw.fits_from_table(pd.read_csv(io.StringIO(gosat_mlr.fits_table(fits).to_csv(index=False))))
    x = np.full(n, 400.0)
    np.testing.assert_allclose(gosat_mlr.correct(x, t, back), gosat_mlr.correct(x, t, fits), rtol=0, atol=1e-9)
    assert back["ocean"].coef[0] == pytest.approx(-6.5, abs=0.1)


def test_ingest_skips_a_bad_file_when_told_and_counts_it(tmp_path):
    """on_bad_input: a month of two CO2 files, the second not HDF5 (its first kilobytes cut off):
    'fail' raises the reader's BadInputError naming the file; 'skip' ingests the good file alone
    (its soundings, the report's files) and lists the bad one under ``skipped`` with its reason
    (a counted, logged skip, as for MOPITT). Fails if the skip swallows the good file too or
    leaves the bad one uncounted."""
    import datetime as dt
    import shutil

    from satcol.synthetic import gosat as sg
    from satcol.synthetic import tccon as syn_tccon

    sites = syn_tccon.read_site_table(load_config()["tccon_sites"])
    good = sg.write_days(tmp_path, [dt.date(2014, 3, 8)], {}, sites, species=("CO2",))[0]
    bad = good.with_name(good.name.replace("20140308", "20140324"))
    shutil.copy(good, bad)
    bad.write_bytes(bad.read_bytes()[4096:])
    with pytest.raises(BadInputError, match="unreadable") as e:
        gw.ingest_files([good, bad], "xco2", {"species": "xco2", "on_bad_input": "fail"})
    assert str(bad) in str(e.value)
    one, _, _ = gw.ingest_files([good], "xco2", {"species": "xco2"})
    table, profiles, report = gw.ingest_files([good, bad], "xco2", {"species": "xco2", "on_bad_input": "skip"})
    assert len(table) == len(one) > 0 and report["n_soundings"] == len(one) and report["files"] == [str(good)]
    assert len(report["skipped"]) == 1 and report["skipped"][0]["reason"] == "unreadable"
    assert str(bad) in str(report["skipped"][0])
    assert (table["source_file"] == 0).all() and len(profiles["column_ak"]) == len(table)


def test_a_year_store_gives_back_its_months(tmp_path):
    """The store holds a year (one ingest job a year); the export and super-observation jobs
    take it a month at a time (read_store_months): each month gets exactly its days' soundings
    with their profiles and corrected rows, a month without days gets empty ones (fails if the
    month is taken from the wrong digits of the sounding id, or the profiles are not cut with
    the table)."""
    import datetime as dt

    from satcol.synthetic import gosat as sg
    from satcol.synthetic import tccon as syn_tccon

    sites = syn_tccon.read_site_table(load_config()["tccon_sites"])
    files = sg.write_days(tmp_path / "l2", [dt.date(2014, 1, 31), dt.date(2014, 2, 1), dt.date(2014, 2, 2)], {},
                          sites, species=("CO2",))
    table, profiles, report = gw.ingest_files(gw.l2_files([tmp_path / "l2"])["xco2"], "xco2", {"species": "xco2"})
    gw.write_store(table, profiles, report, tmp_path / "t.parquet", tmp_path / "p.npz", tmp_path / "r.json")
    corrected = table[["sounding_id"]].assign(x=np.arange(len(table))).set_index("sounding_id", drop=False)
    got = {m: (t, c, p) for m, _, _, t, c, p in gw.read_store_months(["2014"], [tmp_path / "t.parquet"],
                                                                      [tmp_path / "p.npz"], corrected,
                                                                      ["2014-01", "2014-02", "2014-03"])}
    assert list(got) == ["2014-01", "2014-02", "2014-03"] and len(files) == 3
    day = table["sounding_id"].to_numpy() // 1_000_000
    for month, days in (("2014-01", [20140131]), ("2014-02", [20140201, 20140202]), ("2014-03", [])):
        t, c, p = got[month]
        want = np.isin(day, days)
        assert len(t) == int(want.sum()) and (len(t) > 0) == bool(days)
        np.testing.assert_array_equal(t["sounding_id"], table["sounding_id"][want])
        np.testing.assert_array_equal(c["x"], np.flatnonzero(want))
        np.testing.assert_array_equal(p["column_ak"], profiles["column_ak"][want])


# --- the chain through Snakemake ----------------------------------------------------------------

@pytest.fixture(scope="module")
def run(tmp_path_factory):
    wd = tmp_path_factory.mktemp("gosat_wf")
    snakemake(wd, "gosat_all", config=CFG)
    return wd


def _recovery(wd):
    return pd.read_csv(wd / "results/osse/recovery_gosat.csv").set_index("quantity")


OCEAN_ROW = "gosat_xco2_ocean_bias_after_correction_ppm"


@pytest.mark.workflow
def test_corrected_biases_hold_and_every_scored_row_holds(run):
    """OSSE rows of the run: after the MLR fitted against TCCON the record's land XCO2 minus the
    truth (every kept sounding) is within the fixed 0.1 ppm of zero (before: about -0.6 ppm).
    The ocean is fitted (its match-ups from the default design, more than mlr_min_matchups 30)
    and corrected: its corrected-bias row is scored and holds, within max(0.1 ppm, 4 SE of the
    correction's mean) and well below the -6.4 ppm corrected (measured: tolerance 0.14, bias
    0.01). Every other scored row holds too (the fitted coefficients within 4 SE of the injected
    ones, each sounding counted once). Fails with the ocean left uncorrected (-6.4 ppm) or with
    the correction added (-13 ppm)."""
    rec = _recovery(run)
    land = rec.loc["gosat_xco2_land_bias_after_correction_ppm"]
    assert land["scored"] and land["ok"] and land["tolerance"] == 0.1 and abs(land["recovered"]) < 0.1, land.to_dict()
    fit = json.loads((run / "results/gosat/mlr/xco2_fit.json").read_text())
    assert fit["mlr_min_matchups"] == 30 and fit["surfaces"]["land"]["fitted"] and fit["surfaces"]["ocean"]["fitted"]
    assert fit["surfaces"]["ocean"]["n_matchups"] >= 30
    oc = rec.loc[OCEAN_ROW]
    assert oc["scored"] and oc["ok"] and 0.1 <= oc["tolerance"] < 1.0 and abs(oc["recovered"]) < oc["tolerance"], \
        oc.to_dict()
    assert "bias before correction -6." in oc["note"] and "FAILS" not in oc["note"]
    corr = pd.read_parquet(run / "results/gosat/corrected/xco2.parquet")
    ocean = (corr["surface"] == 0).to_numpy()
    assert not ((corr["qc"].to_numpy() & gosat_screening.MLR_NOT_FITTED) != 0).any()
    moved = corr.loc[ocean, "xco2_corrected"] - corr.loc[ocean, "xco2"]
    assert moved.mean() == pytest.approx(6.5, abs=0.5)  # the ocean intercept taken out
    assert rec.loc[rec["scored"], "ok"].all(), rec[~rec["ok"]].to_string()
    assert {"gosat_xco2_mlr_ocean_intercept", "gosat_xco2_mlr_ocean_dps_hpa", "gosat_xco2_mlr_land_dps_hpa",
            "gosat_xco2_gain_m_offset_ppm", "gosat_xch4_mlr_ocean_intercept"} <= set(rec.index[rec["scored"]])
    assert rec.index.str.startswith(("gosat_xco2_", "gosat_xch4_")).all()


@pytest.mark.workflow
def test_validation_tables_before_in_sample_and_loso(run):
    """Three stages in every table: before, after_in_sample (the MLR fitted on these ±2°
    match-ups) and after_loso (refitted without each site). The out-of-sample land biases at ±2°
    (loso table) and ±0.1° (Table 7) are within 4 standard errors (SD/√N) of 0, tolerances
    below the effect corrected (the before values); so is the fitted ocean's. The S23-style
    figures of both species are written (PNG and PDF). By construction, not run: with the
    'after' columns left uncorrected the land LOSO bias is the before bias (about -0.6 ppm, some 40 SE from 0); with LOSO holding nothing out
    the Table 7 LOSO and in-sample biases are equal."""
    v = run / "results/gosat/validation"
    t6 = pd.read_csv(v / "xco2_table6.csv").set_index(["stage", "surface", "gain"])
    assert list(pd.read_csv(v / "xco2_table6.csv")["stage"].unique()) == ["before", "after_in_sample", "after_loso"]
    # before: the injected ocean intercept (-6.5 ppm, plus 4 AOT + 0.1 dPs near zero on average)
    assert t6.loc[("before", "ocean", "H"), "bias"] == pytest.approx(-6.5, abs=0.3)
    n_oc = t6.loc[("after_loso", "ocean", "H"), "n"]
    se_oc = t6.loc[("after_loso", "ocean", "H"), "sd"] / np.sqrt(n_oc)
    assert abs(t6.loc[("after_loso", "ocean", "H"), "bias"]) <= 4 * se_oc < 6.0
    assert abs(t6.loc[("after_in_sample", "ocean", "H"), "bias"]) < 1e-9  # OLS with intercept, in sample
    assert t6.loc[("after_loso", "land", "H"), "sd"] < t6.loc[("before", "land", "H"), "sd"]
    loso = pd.read_csv(v / "xco2_loso.csv").set_index("surface")
    se = loso.loc["land", "sd_loso"] / np.sqrt(loso.loc["land", "n_loso"])
    assert abs(loso.loc["land", "bias_loso"]) <= 4 * se < abs(t6.loc[("before", "land", "H"), "bias"])
    t7 = pd.read_csv(v / "xco2_table7.csv").set_index("stage")
    se7 = t7.loc["after_loso", "sd"] / np.sqrt(t7.loc["after_loso", "n"])
    assert abs(t7.loc["after_loso", "bias"]) <= 4 * se7 < abs(t7.loc["before", "bias"])
    assert t7.loc["after_loso", "bias"] != t7.loc["after_in_sample", "bias"]
    # the site statistics: only their presence per stage is checked here;
    # tests/validation/test_gosat_validation_e2e.py scores them
    summ = pd.read_csv(v / "xco2_summary.csv")
    assert list(summ["stage"]) == ["before", "after_in_sample", "after_loso"] and (summ["n_sites"] >= 8).all()
    assert {"table7", "sites", "loso_sites"} <= {p.stem.split("_", 1)[1] for p in v.glob("xco2_*.csv")}
    # XCH4 is reported, not corrected (S23; mlr_terms.yaml): after == before
    t6m = pd.read_csv(v / "xch4_table6.csv").set_index(["stage", "surface", "gain"])
    for stage in ("after_in_sample", "after_loso"):
        assert t6m.loc[(stage, "ocean", "H"), "bias"] == t6m.loc[("before", "ocean", "H"), "bias"]
    assert t6m.loc[("before", "ocean", "H"), "bias"] == pytest.approx(-9.0, abs=2.0)
    # the LOSO and OSSE tables as report pages (the failing ocean row highlighted)
    for species in SPECIES:
        page = (run / f"results/report/tables/gosat_{species}_loso.html").read_text()
        assert "leave one site out" in page and "bias_loso" in page
    bad = re.findall(r'<tr class="bad"><td class="text">(\w+)</td>',
                     (run / "results/report/tables/gosat_recovery.html").read_text())
    assert bad == []
    for species in SPECIES:
        for name in ("differences_by_category", "site_bias_map", "site_bias_bars", "monthly_differences",
                     "partial_effects"):
            png = run / f"results/gosat/figures/{species}_{name}.png"
            assert png.stat().st_size > 10000 and png.with_suffix(".pdf").is_file(), png


@pytest.mark.workflow
def test_flag_dont_drop_and_provenance(run):
    """Every ingested sounding is in the screening and the corrected record (n_in = kept +
    flagged); the store (one a year) records satcol version, commit, config hash and the
    checksums of the year's L2 files; the MLR coefficients come with standard errors and fit diagnostics."""
    for species in SPECIES:
        stores = sorted((run / f"results/gosat/store/{species}").glob("*/soundings.parquet"))
        assert [p.parent.name for p in stores] == ["2014"]
        n = sum(pq.read_metadata(p).num_rows for p in stores)
        scr = json.loads((run / f"results/gosat/screening/{species}.json").read_text())
        assert scr["n_in"] == n == scr["n_kept"] + scr["n_flagged"] and 0 < scr["n_flagged"] < n
        corr = pd.read_parquet(run / f"results/gosat/corrected/{species}.parquet")
        kept = (corr["qc"].to_numpy() & ~np.uint32(gosat_screening.MLR_NOT_FITTED)) == 0
        assert len(corr) == n and int(kept.sum()) == scr["n_kept"]
        prov = json.loads(pq.read_schema(stores[0]).metadata[b"satcol_provenance"])
        assert {"satcol_version", "git_commit", "config_sha256", "input_sha256"} <= set(prov)
        year = json.loads((stores[0].parent / "report.json").read_text())
        assert len(year["files"]) == 24  # 12 months of 2 days
        for f in year["files"]:
            assert prov["input_sha256"][f] == provenance.sha256_file(run / f)
    coef = pd.read_csv(run / "results/gosat/mlr/xco2_coefficients.csv")
    assert list(zip(coef["surface"], coef["term"], strict=True)) == [
        ("ocean", "intercept"), ("ocean", "aot_1p6"), ("ocean", "dps_hpa"),
        ("land", "intercept"), ("land", "aot_1p6"), ("land", "dps_hpa"), ("land", "albedo_o2a")]
    assert (coef["se"] > 0).all() and {"r2", "resid_sd", "condition_number", "aic", "n"} <= set(coef.columns)


@pytest.mark.workflow
def test_cf_export_passes_the_compliance_checker_and_carries_the_operator(run):
    """The CF-1.8 per-sounding file of a month: compliance-checker --test cf:1.8 finds nothing;
    every stored sounding is in it (flagged ones too) with the QC bits of the GOSAT registry;
    the observation operator X_a + sum_j h_j a_j (x_m,j - x_a,j) returns X_a for the prior and
    moves by d sum_j h_j a_j for a uniform offset d (the kernel and weights read back from the
    file). Fails with the flag_masks of another registry (unregistered bits raise)."""
    import shutil
    import subprocess
    import sys

    import xarray as xr

    from satcol.export import gosat as gx

    path = run / "results/gosat/export/2014-03/gosat_fts_swir_xco2_soundings_2014-03.nc"
    venv = Path(sys.executable).parent / "compliance-checker"  # installed in the venv
    checker = str(venv) if venv.exists() else shutil.which("compliance-checker")
    r = subprocess.run([checker, "--test", "cf:1.8", "--criteria", "strict", str(path)], capture_output=True, text=True)
    assert r.returncode == 0 and "All tests passed!" in r.stdout, r.stdout[-3000:]
    store = pd.read_parquet(run / "results/gosat/store/xco2/2014/soundings.parquet")
    store = store[store["sounding_id"] // 100_000_000 == 201403]  # the month's soundings of the year's store
    with xr.open_dataset(path) as ds:
        assert ds.sizes["sounding"] == len(store) and ds.sizes["layer"] == 15
        assert ds["xco2"].attrs["standard_name"] == "mole_fraction_of_carbon_dioxide_in_air"
        reg = instruments.get("gosat").qc
        assert ds["qc"].attrs["flag_meanings"].split() == [b.name for b in reg.bits]
        assert int(ds.attrs["n_kept"]) == int((ds["qc"] == 0).sum()) > 0
        xa = ds["prior_co2_vmr"].to_numpy()
        np.testing.assert_allclose(gx.observation_operator(ds, "xco2", xa), ds["xco2_apriori"], rtol=0, atol=1e-9)
        ha = (ds["pressure_weight"] * ds["column_averaging_kernel"]).sum("layer").to_numpy()
        np.testing.assert_allclose(gx.observation_operator(ds, "xco2", xa + 2.0) - ds["xco2_apriori"].to_numpy(),
                                   2.0 * ha, rtol=1e-6)
        np.testing.assert_allclose(ds["pressure_weight"].sum("layer"), 1.0, atol=1e-5)
    # the month's super-observations beside it: the checker again; every member a kept sounding, each once
    path = run / "results/gosat/export/2014-03/gosat_fts_swir_xco2_superobs_2014-03.nc"
    r = subprocess.run([checker, "--test", "cf:1.8", "--criteria", "strict", str(path)], capture_output=True, text=True)
    assert r.returncode == 0 and "All tests passed!" in r.stdout, r.stdout[-3000:]
    with xr.open_dataset(path) as so:
        assert so.sizes["superobs"] > 0 and so.sizes["layer"] == 15
        assert int(so["n_soundings"].sum()) == int(so.attrs["n_kept_soundings_month"]) == int(ds.attrs["n_kept"])
        assert (so["xco2_error_retrieval"] >= so["xco2_error_if_independent"] - 1e-6).all()
        np.testing.assert_allclose(so["pressure_weight"].sum("layer"), 1.0, atol=1e-5)


@pytest.mark.workflow
def test_version_comparison_and_growth_rate_jobs(run):
    """The version comparison (S23 Sect. 4.2) pairs the V02.90 and V03.05 CO2 soundings by scan
    ID; the synthetic V02.90 differs by its truth only (land intercept 0 instead of -0.4, ocean
    -2.0 instead of -6.5, drift -2.0 instead of -0.6 ppm/decade, the same noise draws), so new -
    old is -0.4 over land and -4.5 over the ocean, plus 1.4 ppm/decade x the time since
    2014-01-01 (about 0.05 decade on average in 2014): the means within 0.05 ppm of that, the
    trends 1.4 within 0.01 and an SD below 0.1 ppm (the 1.4 ppm/decade over one year, 0.04; a
    pairing by position would add the retrieval noise, 0.3 ppm x sqrt 2). Fails with old - new (signs reversed).
    The growth-rate check of the corrected XCO2 against the synthetic in situ values (truth +
    2 ppm): per surface the pooled trend of the difference is the drift the correction leaves
    (-0.6 ppm/decade injected), within 4 SE (large over one year)."""
    v = pd.read_csv(run / "results/gosat/versions/xco2_stats.csv", dtype={"old_version": str}).set_index("surface")
    for surf, step in (("land", -0.4), ("ocean", -4.5)):
        assert v.loc[surf, "n"] > 100 and v.loc[surf, "sd"] < 0.1, v.loc[surf].to_dict()
        assert v.loc[surf, "mean"] == pytest.approx(step + 1.4 * 0.05, abs=0.05), v.loc[surf].to_dict()
        assert v.loc[surf, "trend_per_decade"] == pytest.approx(1.4, abs=0.01)
    assert (v["old_version"] == "02.90").all()
    g = pd.read_csv(run / "results/gosat/growth_rate/xco2_surfaces.csv").set_index("surface")
    st = pd.read_csv(run / "results/gosat/growth_rate/xco2_stations.csv")
    assert (st["n_months"] >= 12).all() and len(st) >= 2  # one year: stations with all 12 months
    for surf in ("land", "ocean"):
        r = g.loc[surf]
        if r["n_stations"]:
            assert abs(r["trend_difference"] + 0.6) <= 4 * r["trend_difference_se"], r.to_dict()


@pytest.mark.workflow
def test_a_changed_gosat_key_plans_only_the_jobs_that_read_it(run):
    """Dry runs after the run: nothing to do unchanged; the OSSE tolerance replans the OSSE job
    alone, min_matchups the validation jobs alone, an injected coefficient every GOSAT job from
    the synthetic record on (and no MOPITT job: tests/pipeline/test_rerun.py checks the MOPITT side)."""
    assert planned_rules(run, CFG) == {}
    assert planned_rules(run, deep_update(_copy(CFG), {"instruments": {"gosat": {"osse": {"k_se": 3.0}}}})) == \
        {"gosat_osse": 1, "report_gosat_recovery_table": 1}
    assert planned_rules(run, deep_update(_copy(CFG), {"instruments": {"gosat": {"validation": {"min_matchups": 5}}}})) \
        == {"gosat_validation": 2, "report_gosat_loso_table": 2, "gosat_figures": 2}
    assert planned_rules(run, deep_update(_copy(CFG), {"instruments": {"gosat": {"validation": {"mlr_min_matchups": 5}}}})) \
        == {"gosat_mlr_fit": 2, "gosat_correct": 2, "gosat_validation": 2, "gosat_export": 2,
            "gosat_osse": 1,
            "report_gosat_loso_table": 2, "report_gosat_recovery_table": 1, "gosat_figures": 2, "gosat_growth_rate": 1}
    # the second version's truth: its months and the comparison only; the in situ noise: its table and the check
    assert planned_rules(run, deep_update(_copy(CFG), {"synthetic": {"gosat": {"compare_version": {
        "truth": {"xco2_drift_ppm_per_decade": -1.0}}}}})) == {"gosat_synthesize_version_month": 12,
                                                                "gosat_version_comparison": 1}
    assert planned_rules(run, deep_update(_copy(CFG), {"synthetic": {"gosat": {"insitu": {"noise_ppm": 0.2}}}})) \
        == {"gosat_insitu": 1, "gosat_growth_rate": 1}
    assert planned_rules(run, deep_update(_copy(CFG), {"instruments": {"gosat": {"export": {"superobs": {
        "min_soundings": 2}}}}})) == {"gosat_export": 2}  # one job writes the soundings and super-observations
    # the GGG2014 version difference: nothing while no purpose asks for GGG2014; training on
    # GGG2014 (mlr_tccon_variant): its files, training match-ups and the fit's descendants, not
    # the validation match-ups; the fit reads the training match-ups, the validation both
    offset = {"synthetic": {"gosat": {"ggg2014_minus_ggg2020": {"xco2_ppm": 0.5}}}}
    assert planned_rules(run, deep_update(_copy(CFG), offset)) == {}
    train14 = deep_update(_copy(CFG), {"instruments": {"gosat": {"validation": {"mlr_tccon_variant": "GGG2014"}}}})
    assert planned_rules(run, train14) == {
        "gosat_synthesize_tccon_ggg2014": 1, "gosat_matchups_training": 2, "gosat_mlr_fit": 2, "gosat_correct": 2,
        "gosat_validation": 2, "gosat_export": 2, "gosat_osse": 1, "report_gosat_loso_table": 2,
        "report_gosat_recovery_table": 1, "gosat_figures": 2, "gosat_growth_rate": 1}
    r = snakemake(run, "gosat_all", "-n", "-p", config=train14, quiet=False)
    inputs = {}
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", r.stdout + r.stderr):
        m = re.match(r"(?:local)?rule (\w+):", block.strip())
        if m and "wildcards: species=xco2" in block:
            inputs[m.group(1)] = re.search(r"input: (.*)", block).group(1)
    assert "results/gosat/matchups/xco2_wide_training.parquet" in inputs["gosat_mlr_fit"]
    assert "xco2_wide.parquet" not in inputs["gosat_mlr_fit"]
    assert "results/synthetic/gosat_tccon_ggg2014" in inputs["gosat_matchups_training"]
    assert {"results/gosat/matchups/xco2_wide.parquet", "results/gosat/matchups/xco2_wide_training.parquet"} <= \
        set(f.strip() for f in inputs["gosat_validation"].split(","))
    got = planned_rules(run, deep_update(_copy(CFG), CHANGED))
    assert got == {"gosat_synthesize_month": 12, "gosat_synthesize_tccon": 1, "gosat_ingest": 1, "gosat_screening": 2,
                   "gosat_matchups": 2, "gosat_mlr_fit": 2, "gosat_correct": 2, "gosat_validation": 2,
                   "gosat_export": 2, "gosat_osse": 1, "report_gosat_loso_table": 2,
                   "report_gosat_recovery_table": 1,
                   "gosat_figures": 2, "gosat_synthesize_version_month": 12, "gosat_version_comparison": 1,
                   "gosat_growth_rate": 1}


@pytest.mark.workflow
def test_changed_injected_coefficients_are_recovered(run):
    """Rerun with the ocean intercept -6.5 -> -3.0 ppm, the land AOT slope 5 -> 35 ppm and
    mlr_min_matchups one above the ocean's match-ups: the recovered values follow (within the
    4-SE tolerance of the new truth, and farther than that from the old), the corrected land bias stays within 0.1 ppm of
    zero, and the ocean, now below mlr_min_matchups, is left uncorrected: its soundings carry
    the QC bit mlr_not_fitted and keep their column, and its corrected-bias row is scored and
    fails visibly at the injected -3 ppm with the cause in its note (no loosened tolerance).
    Runs last: it changes the run directory."""
    before = _recovery(run)
    surfaces = json.loads((run / "results/gosat/mlr/xco2_fit.json").read_text())["surfaces"]
    n_oc, n_land = surfaces["ocean"]["n_matchups"], surfaces["land"]["n_matchups"]
    assert 30 <= n_oc < n_land - 1
    changed = deep_update(deep_update(_copy(CFG), CHANGED),
                          {"instruments": {"gosat": {"validation": {"mlr_min_matchups": n_oc + 1}}}})
    snakemake(run, "gosat_all", config=changed)
    after = _recovery(run)
    for q, new, old in (("gosat_xco2_mlr_ocean_intercept", -3.0, -6.5), ("gosat_xco2_mlr_land_aot", 35.0, 5.0)):
        r = after.loc[q]
        assert r["injected"] == new and r["scored"] and r["ok"], r.to_dict()
        assert abs(r["recovered"] - old) > r["tolerance"], r.to_dict()
        assert before.loc[q, "injected"] == old
    assert abs(after.loc["gosat_xco2_land_bias_after_correction_ppm", "recovered"]) < 0.1
    oc = after.loc[OCEAN_ROW]
    assert oc["scored"] and not oc["ok"] and oc["tolerance"] == 0.1 and oc["recovered"] == pytest.approx(-3.0, abs=0.3)
    assert "FAILS: surface not corrected" in oc["note"]
    fit = json.loads((run / "results/gosat/mlr/xco2_fit.json").read_text())
    assert not fit["surfaces"]["ocean"]["fitted"] and fit["surfaces"]["ocean"]["n_matchups"] == n_oc
    assert fit["surfaces"]["land"]["fitted"]
    corr = pd.read_parquet(run / "results/gosat/corrected/xco2.parquet")
    ocean = corr["surface"] == 0
    flagged = (corr["qc"].to_numpy() & gosat_screening.MLR_NOT_FITTED) != 0
    assert ocean.any() and np.array_equal(flagged, ocean.to_numpy())
    np.testing.assert_array_equal(corr.loc[ocean, "xco2_corrected"], corr.loc[ocean, "xco2"])
    rest = after.drop(index=OCEAN_ROW)
    assert rest.loc[rest["scored"], "ok"].all(), rest[~rest["ok"]].to_string()
    bad = re.findall(r'<tr class="bad"><td class="text">(\w+)</td>',
                     (run / "results/report/tables/gosat_recovery.html").read_text())
    assert bad == [OCEAN_ROW]
