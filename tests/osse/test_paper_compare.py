"""The papers beside the run (issue 23 item 2): every published number carries a source and a
section of docs/paper-vs-run.md, the numbers are the papers' own, and a table built from a small
fake set of run outputs puts each run number in its row.

The fake outputs use a different value for every quantity, so a row reading the wrong key (e.g.
the filtered RMS for the unfiltered one, method 0 for method II, the MOPITT side for the TCCON
side) fails. The published numbers are checked against the papers' plain text where
../shared/papers is present (a typo such as 3.48 for 3.84 fails).
"""

import re

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers import REPO

from satcol.osse import paper_compare as pc

PAPERS = REPO.parent / "shared" / "papers"
#: Entries whose value is derived from the paper's numbers (a ratio of counts, the middle of a
#: range, a count of named features) rather than written in it.
DERIVED = {"h19_daytime_kept_fraction", "h19_method_0_bias", "h19_feature_corrections"}
PAPER_FILES = {"H19": "hedelius2019_mopitt_v7j_tccon.txt", "S23": "someya2023_gosat_v03.txt"}


def test_published_values_have_sources_and_docs():
    pub = pc.load_published()
    values = pub["values"]
    assert len(values) >= 10
    assert sum(v["paper"] == "H19" for v in values) >= 10 and sum(v["paper"] == "S23" for v in values) >= 5
    doc = (REPO / "docs" / "paper-vs-run.md").read_text()
    headings = set(re.findall(r"^#+ (\S+)\s*$", doc, flags=re.M))
    for key, paper in pub["papers"].items():
        assert paper["doc"] == f"docs/paper-vs-run.md#{key.lower()}" and key in headings
    for v in values:
        assert re.search(r"(Sect\. \d|Table \d|Fig\. S?\d|abstract)", v["source"]), v
        assert v["doc"].split("#")[1] in headings, v["id"]
        assert v["comparability"] is not None
    # The S23 rows are computed from the GOSAT chain's tables.
    assert all(v["run"] in pc.RUN_QUANTITIES and v["run"].startswith("gosat_") for v in values if v["paper"] == "S23")


def test_loader_rejects_an_entry_without_source(tmp_path):
    pub = yaml.safe_load((REPO / "src" / "satcol" / "data" / "published.yaml").read_text())
    del pub["values"][2]["source"]
    bad = tmp_path / "published.yaml"
    bad.write_text(yaml.safe_dump(pub))
    with pytest.raises(ValueError, match="h19_sra_rms_after_l3.*lacks source"):
        pc.load_published(bad)


def _paper_text(key):
    path = PAPERS / PAPER_FILES[key]
    if not path.is_file():
        pytest.skip(f"paper text {path} not present")
    return path.read_text().replace("−", "-")


def test_published_numbers_are_in_the_papers():
    """Each number written in ``published`` (the paper's value, its +- or SD and N) occurs in the
    paper's text; the entries whose value is derived (a fraction of two counts, the middle of a
    range) write the paper's own numbers there. Checked: 3.48 for 3.84, or -0.16 for -0.61, fails."""
    checked = 0
    for v in pc.load_published()["values"]:
        text = _paper_text(v["paper"])
        numbers = re.findall(r"[-+]?\d+\.\d+|\d{2,}", v["published"])  # single digits prove nothing
        for num in numbers:
            assert num.lstrip("+") in text, (v["id"], num)
        checked += bool(numbers)
        if v["id"] not in DERIVED:  # the value in the table is the number the paper writes
            assert abs(v["value"]) in [abs(float(n)) for n in numbers], v["id"]
    assert checked >= 20


def _fake_run(mode="table", with_days=True):
    summary = {
        "synthetic": True,
        "qc": {"soundings": {"total": 1000, "kept": 500, "flagged": 500},
               "counts_per_bit": {"night": 200, "snow_ice": 90},
               "filters": {"mode": mode, "source": f"config/filters/{'l3' if mode == 'l3' else 'hedelius2019'}.yaml"},
               "sra": {"rms_prefiltered_ppb": 4.11, "rms_filtered_ppb": 2.77, "rms_second_sra_ppb": 2.5,
                       "n_soundings_in_valid_regions": 640, "n_valid_regions": 37},
               "feature_bias": {"accepted": [{"candidate": "max_adjacent_diff", "surface": 1, "model": "piecewise",
                                              "breakpoint": 100.0, "reduction": 0.041}]}},
    }
    validation = {
        "method_II": {"standard": {"n": 30, "scale_factor": 1.0523, "scale_factor_err": 0.004,
                                   "drift": {"n_bins": 12, "drift_percent_per_year": -0.13, "ci_half_width": 0.21}},
                      "unscaled": {"n": 0, "available": False, "note": "GGG2020 files give no unscaled XCO"}},
        "method_0": {"standard": {"n": 30, "scale_factor": 1.081, "scale_factor_err": 0.005}},
        "method_III": {"standard": {"n": 30, "scale_factor": 1.117, "scale_factor_err": 0.006}},
    }
    days = pd.DataFrame({
        "method_0_standard_x": [80.0, 90.0, 100.0],
        "method_II_standard_x": [81.0, 90.5, 102.0],  # TCCON adjustment 1.0, 0.5, 2.0
        "method_0_standard_y": [85.0, 95.0, 105.0],
        "method_II_standard_y": [84.0, 93.0, 104.4],  # MOPITT adjustment -1.0, -2.0, -0.6
    }) if with_days else pd.DataFrame()
    soundings = pd.DataFrame({"xgas_profile_at_psurf": [100.0, 100.0, 80.0, 50.0],
                              "method_0_standard_y": [99.0, 101.0, 79.0, 50.5]})
    return pc.RunOutputs(summary, validation, days, soundings)


def test_table_puts_each_run_number_in_its_row():
    t = pc.build_table(pc.load_published(), _fake_run()).set_index("id")
    assert list(t.reset_index().columns) == list(pc.COLUMNS)
    got = t["run_value"]
    assert got["h19_sra_rms_before"] == 4.11
    assert t.loc["h19_sra_rms_before", "run_note"] == "first SRA: 640 soundings in 37 valid regions"
    assert got["h19_sra_rms_after"] == 2.77
    assert got["h19_daytime_kept_fraction"] == pytest.approx(500 / 800)
    assert got["h19_feature_corrections"] == 1 and "max_adjacent_diff (land)" in t.loc["h19_feature_corrections", "run_note"]
    assert got["h19_method_ii_bias"] == pytest.approx(5.23)
    assert t.loc["h19_method_ii_bias", "run_uncertainty"] == pytest.approx(0.4)
    assert got["h19_method_0_bias"] == pytest.approx(8.1)
    assert got["h19_method_iii_bias"] == pytest.approx(11.7)
    assert got["h19_drift"] == -0.13 and t.loc["h19_drift", "run_uncertainty"] == 0.21
    assert got["h19_tccon_adjustment"] == pytest.approx(3.5 / 3)
    assert t.loc["h19_tccon_adjustment", "run_uncertainty"] == pytest.approx(np.std([1.0, 0.5, 2.0], ddof=1))
    assert got["h19_mopitt_adjustment"] == pytest.approx(-3.6 / 3)
    assert t.loc["h19_mopitt_adjustment", "run_uncertainty"] == pytest.approx(np.std([-1.0, -2.0, -0.6], ddof=1))
    ratios = [0.99, 1.01, 79 / 80, 1.01]
    assert got["h19_surface_pressure_ratio"] == pytest.approx(np.mean(ratios))
    assert t.loc["h19_surface_pressure_ratio", "run_uncertainty"] == pytest.approx(np.std(ratios, ddof=1))
    assert got["h19_surface_pressure_difference"] == pytest.approx(np.mean([-1.0, 1.0, -1.0, 0.5]))
    compared = t[t["status"] == pc.COMPARED]
    np.testing.assert_allclose(compared["run_minus_published"], compared["run_value"] - compared["published_value"])
    assert t.loc["h19_method_ii_bias", "published_value"] == 6.4 and t.loc["h19_sra_rms_before", "published_value"] == 3.84
    # What the run does not make keeps its row, with the reason.
    assert t.loc["h19_sra_rms_after_l3", "status"] == pc.NOT_IN_RUN
    assert "mode table" in t.loc["h19_sra_rms_after_l3", "run_note"]
    assert t.loc["h19_unscaled_bias", "status"] == pc.NOT_IN_RUN
    assert "GGG2020" in t.loc["h19_unscaled_bias", "run_note"]
    s23 = t[t["paper"] == "S23"]
    assert len(s23) >= 5 and (s23["status"] == pc.NOT_IN_RUN).all() and s23["run_value"].isna().all()
    assert s23["run_note"].str.startswith("GOSAT not in this run").all()
    assert (t["run_data"] == "synthetic").all()
    assert t["source"].str.len().min() > 0


def test_l3_run_and_a_run_without_colocated_days():
    t = pc.build_table(pc.load_published(), _fake_run(mode="l3", with_days=False)).set_index("id")
    assert t.loc["h19_sra_rms_after_l3", "run_value"] == 2.77
    assert t.loc["h19_sra_rms_after", "status"] == pc.NOT_IN_RUN
    assert t.loc["h19_tccon_adjustment", "status"] == pc.NOT_IN_RUN
    assert t.loc["h19_tccon_adjustment", "run_note"] == "no daily comparison points"


def test_s23_rows_from_the_gosat_tables():
    """The S23 rows take the GOSAT chain's numbers: Table 6/7 bias and SD of the 'before' stage
    (the V03 product S23 validated), the site-to-site SD, annual-mean SD and trend (with its SE)
    of the summary, and the mean change of ocean XCO2 by the correction over kept soundings
    (hand-computed: (6.0 + 7.0) / 2; the flagged and land soundings left out)."""
    t6 = pd.DataFrame({"stage": ["before", "before", "after"], "surface": ["land", "ocean", "land"],
                       "gain": ["H", "H", "H"], "n": [100, 20, 100], "bias": [-0.5, -6.4, 0.01],
                       "sd": [1.1, 0.9, 0.8]})
    t7 = t6.assign(bias=[-0.3, np.nan, 0.0], n=[40, 0, 40])
    summ = pd.DataFrame({"stage": ["before", "after"], "n_sites": [9, 9], "n_years": [3, 3],
                         "site_to_site_sd": [0.8, 0.05], "annual_mean_sd": [0.3, 0.1],
                         "trend_per_decade": [-0.7, -0.6], "trend_se_per_decade": [0.2, 0.2]})
    corr = pd.DataFrame({"qc": [0, 0, 4, 0], "surface": [0, 0, 0, 1], "xco2": [400.0, 401.0, 402.0, 403.0],
                         "xco2_corrected": [406.0, 408.0, 500.0, 403.5]})
    gosat = {"xco2": {"table6": t6, "table7": t7, "summary": summ, "corrected": corr},
             "xch4": {"table6": t6.assign(bias=[-4.0, -9.0, 0.0]), "table7": t7, "summary": summ}}
    run = _fake_run()
    run.gosat = gosat
    t = pc.build_table(pc.load_published(), run).set_index("id")
    assert t.loc["s23_t6_xco2_land_h", ["run_value", "run_uncertainty"]].tolist() == [-0.5, 1.1]
    assert t.loc["s23_t6_xco2_ocean_h", "run_value"] == -6.4
    assert t.loc["s23_t6_xch4_land_h", "run_value"] == -4.0
    assert t.loc["s23_t7_xco2", "run_value"] == -0.3
    assert t.loc["s23_site_to_site_xco2", "run_value"] == 0.8 and t.loc["s23_annual_sd_xco2", "run_value"] == 0.3
    assert t.loc["s23_trend_xco2", ["run_value", "run_uncertainty"]].tolist() == [-0.7, 0.2]
    assert t.loc["s23_bias_correction_ocean", "run_value"] == pytest.approx(6.5)
    assert (t[t["paper"] == "S23"]["status"] == pc.COMPARED).all()


@pytest.mark.workflow
def test_rule_writes_the_table_from_the_run(tmp_path):
    """The rule on the one-month workflow config: the table's run numbers are the run's own
    (summary.json, validation), the S23 rows say 'not in this run' (July 2009 is before the GOSAT
    record), and the record carries provenance."""
    import json

    from helpers import TINY, snakemake

    snakemake(tmp_path, "results/tables/paper_vs_run.csv", config=TINY)
    t = pd.read_csv(tmp_path / "results/tables/paper_vs_run.csv").set_index("id")
    summary = json.loads((tmp_path / "results/summary.json").read_text())
    validation = json.loads((tmp_path / "results/mopitt/validation/tccon.json").read_text())
    assert t.loc["h19_sra_rms_before", "run_value"] == pytest.approx(summary["qc"]["sra"]["rms_prefiltered_ppb"])
    assert t.loc["h19_sra_rms_after", "run_value"] == pytest.approx(summary["qc"]["sra"]["rms_filtered_ppb"])
    sf = validation["method_II"]["standard"].get("scale_factor")
    if sf is None:
        assert t.loc["h19_method_ii_bias", "status"] == pc.NOT_IN_RUN
    else:
        assert t.loc["h19_method_ii_bias", "run_value"] == pytest.approx(100 * (sf - 1))
    assert (t[t["paper"] == "S23"]["status"] == pc.NOT_IN_RUN).all()
    assert (t["run_data"] == "synthetic").all()
    record = json.loads((tmp_path / "results/tables/paper_vs_run.json").read_text())
    prov = record["provenance"]
    assert prov["config_sha256"] and prov["git_commit"] and "results/summary.json" in prov["input_sha256"]
    assert len(record["table"]) == len(t)
