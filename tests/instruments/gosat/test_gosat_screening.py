"""GOSAT screening as data (S23 Table 3): thresholds, bits, flag-don't-drop, and the synthetic
record's injected outliers.

Checked to fail on plausible wrong implementations: '>=' instead of '>' at a threshold (the
boundary rows), the V03 threshold applied to V02 (rms_ch4 1.25, cot), NaN passing a criterion,
the blended-albedo criterion applied over the ocean, a sounding dropped instead of flagged.
"""

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from satcol.core.config import load_config
from satcol.core.errors import ConfigError
from satcol.instruments.gosat import reader as gio
from satcol.instruments.gosat import screening as gs
from satcol.synthetic import gosat as sg
from satcol.synthetic import tccon as syn_tccon

REPO = Path(__file__).resolve().parents[3]
S23 = REPO / "config/instruments/gosat/screening_s23.yaml"

# S23 Table 3, V03 column (and V02 where it differs), typed from the paper, not from the YAML.
TABLE3_V03 = {"sza": ("above", 70.0), "snr_o2a": ("below", 70.0), "iterations": ("at_least", 20),
              "rms_o2a": ("above", 1.2), "rms_wco2": ("above", 1.2), "rms_ch4": ("above", 1.2),
              "rms_sco2": ("above", 1.3), "dof": ("below", 1.0), "aot": ("above", 0.1),
              "blended_albedo": ("above", 1.0), "dps": ("above", 20.0), "cot": ("above", 0.1)}
TABLE3_V02 = {"rms_ch4": ("above", 1.3), "rms_sco2": ("above", 1.4), "cot": None}


@pytest.fixture(scope="module")
def s23():
    return gs.load_screening(S23)


def test_yaml_holds_the_papers_thresholds(s23):
    by = {c.name: c for c in s23.criteria}
    for name, (kind, value) in TABLE3_V03.items():
        assert by[name].for_generation("03") == {kind: value}, name
    for name, want in TABLE3_V02.items():
        assert by[name].for_generation("02") == (None if want is None else {want[0]: want[1]}), name
    assert by["wind_speed"].for_generation("03") == {"below": 0.1, "above": 20.0}
    assert by["blended_albedo"].surfaces == ("land",)


def test_registry_is_cf_and_unique(s23):
    attrs = gs.cf_flag_attributes(s23)
    names = attrs["flag_meanings"].split()
    assert len(names) == len(set(names)) == len(attrs["flag_masks"]) == 3 + len(s23.criteria) + 1
    assert names[:3] == ["input_fill", "mixed_surface", "nies_screening"]
    # the correction's bit (surface not fitted: too few match-ups), after the criteria
    assert names[-1] == "mlr_not_fitted" and int(attrs["flag_masks"][-1]) == gs.MLR_NOT_FITTED == 1 << 16
    assert sorted(attrs["flag_masks"]) == list(attrs["flag_masks"])
    assert all(int(m) & (int(m) - 1) == 0 for m in attrs["flag_masks"])  # one bit each


def _row(**kw):
    base = {"surface": 1, "pre_screening": 0, "post_screening": 0, "sza": 30.0, "snr_o2a": 200.0, "iterations": 4.0,
            "rms_o2a": 1.0, "rms_wco2": 1.0, "rms_ch4": 1.0, "rms_sco2": 1.0, "dof": 1.5, "aot_1p6": 0.05,
            "blended_albedo": 0.5, "wind_speed": 5.0, "dps_hpa": 2.0, "cot": 0.02}
    return base | kw


CASES = [  # (row changes, bits expected in V03, bits expected in V02)
    ({}, set(), set()),
    ({"sza": 70.0}, set(), set()),  # the boundary itself passes (> 70)
    ({"sza": 70.01}, {"screen_sza"}, {"screen_sza"}),
    ({"snr_o2a": 69.9}, {"screen_snr_o2a"}, {"screen_snr_o2a"}),
    ({"iterations": 20.0}, {"screen_iterations"}, {"screen_iterations"}),
    ({"rms_ch4": 1.25}, {"screen_rms_ch4"}, set()),
    ({"rms_sco2": 1.35}, {"screen_rms_sco2"}, set()),
    ({"dof": 0.99}, {"screen_dof"}, {"screen_dof"}),
    ({"aot_1p6": 0.1}, set(), set()),
    ({"aot_1p6": 0.1001}, {"screen_aot"}, {"screen_aot"}),
    ({"blended_albedo": 1.2}, {"screen_blended_albedo"}, {"screen_blended_albedo"}),
    ({"blended_albedo": np.nan, "surface": 0}, set(), set()),  # ocean: not retrieved, not applied
    ({"blended_albedo": np.nan}, {"screen_blended_albedo"}, {"screen_blended_albedo"}),  # land: NaN fails
    ({"wind_speed": 0.05}, {"screen_wind_speed"}, {"screen_wind_speed"}),
    ({"wind_speed": 21.0}, {"screen_wind_speed"}, {"screen_wind_speed"}),
    ({"dps_hpa": -20.5}, {"screen_dps"}, {"screen_dps"}),
    ({"cot": 0.2}, {"screen_cot"}, set()),
    ({"surface": 2}, {"mixed_surface"}, {"mixed_surface"}),
    ({"post_screening": 1}, {"nies_screening"}, {"nies_screening"}),
    ({"aot_1p6": 0.3, "dof": 0.8}, {"screen_aot", "screen_dof"}, {"screen_aot", "screen_dof"}),
]


def test_each_criterion_sets_its_bit_and_no_other(s23):
    rows = [_row(**c[0]) for c in CASES]
    table = {k: np.array([r[k] for r in rows]) for k in rows[0]}
    for gen, col in (("03", 1), ("02", 2)):
        qc = gs.screen(table, s23, gen)
        assert qc.size == len(CASES)  # nothing dropped
        for i, case in enumerate(CASES):
            got = {b.name for b in s23.registry if qc[i] & b.mask}
            assert got == case[col], (gen, case[0], got)


def test_input_fill_bit(s23):
    table = {k: np.array([v, v]) for k, v in _row().items()}
    qc = gs.screen(table, s23, "03", input_fill=np.array([False, True]))
    assert list(qc) == [0, s23.mask_of("input_fill")]


def test_bad_yaml_is_a_config_error(tmp_path):
    doc = yaml.safe_load(S23.read_text())
    doc["criteria"][1]["bit"] = doc["criteria"][0]["bit"]
    p = tmp_path / "dup.yaml"
    p.write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError, match="duplicate"):
        gs.load_screening(p)
    doc = yaml.safe_load(S23.read_text())
    doc["criteria"][0].pop("above")
    p.write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError, match="sza"):
        gs.load_screening(p)


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    """Twelve synthetic days (one per month of 2015), CO2, read back, with their truth."""
    sites = syn_tccon.read_site_table(load_config()["tccon_sites"])
    out = tmp_path_factory.mktemp("gosat_rec")
    days = [dt.date(2015, m, 10) for m in range(1, 13)]
    paths = sg.write_days(out, days, {}, sites, species=("CO2",))
    tabs = [gio.read_gosat(p)[0] for p in paths]
    table = {k: np.concatenate([t[k] for t in tabs]) for k in tabs[0]}
    truth = pd.concat([pd.read_parquet(p) for p in sorted((out / "truth").glob("*.parquet"))], ignore_index=True)
    return table, truth


def test_screening_catches_every_injected_outlier(record, s23):
    """The synthetic outliers' harm starts inside the range the S23 thresholds keep (onsets such
    as AOT 0.07 against the 0.1 threshold) and grows smoothly, so screening removes most of it
    but not all: some kept soundings carry harm, a small one (mean |harm| of the kept below a
    tenth of that of the flagged harmed ones and below 0.05 ppm); in = kept + flagged. Fails if
    the truth's onsets are put back at the thresholds (no kept sounding harmed) or if the
    screening misses a tail (kept harm as large as flagged)."""
    table, truth = record
    assert (truth["scan_id"].to_numpy() == table["scan_id"]).all()
    qc = gs.screen(table, s23, "03")
    c = gs.counts(qc, s23)
    assert c["n_in"] == len(table["time"]) == c["n_kept"] + c["n_flagged"]
    harm = np.abs(truth["xco2_bias_outlier"].to_numpy())
    kept, flagged = qc == 0, qc != 0
    assert (harm != 0).sum() > 100
    assert 0.02 < np.mean(harm[kept] != 0) < 0.5  # harm survives screening, on a minority
    assert np.mean(harm[kept]) < 0.05 and np.mean(harm[kept]) < 0.1 * np.mean(harm[flagged & (harm != 0)])
    # each tail population is caught by its own bit
    for bit in ("screen_aot", "screen_dps", "screen_cot", "screen_dof", "screen_blended_albedo", "screen_snr_o2a",
                "screen_rms_o2a", "screen_rms_sco2"):
        assert c["bit"][bit] > 10, bit
    # screening removes the outliers' scatter: kept land soundings scatter less than all land ones
    err = table["xco2"] - truth["xco2_true"].to_numpy()
    land = table["surface"] == 1
    assert np.std(err[land & (qc == 0)]) < 0.75 * np.std(err[land])


def test_injected_bias_reaches_the_files(record, s23):
    """Kept soundings: GOSAT - truth equals the injected bias model (regression terms per
    surface, gain-M offset, drift) on average within 4 standard errors, and over the ocean it
    is the large negative intercept (-6.5 ppm, tolerance 0.3). Each coefficient separately:
    test_changed_injected_coefficients_are_recovered_from_the_files."""
    table, truth = record
    qc = gs.screen(table, s23, "03")
    err = table["xco2"] - truth["xco2_true"].to_numpy()
    tr = sg.DEFAULTS["truth"]
    ocean = (table["surface"] == 0) & (qc == 0)
    land = (table["surface"] == 1) & (qc == 0)
    ref = pd.Timestamp(tr["drift_reference"]).timestamp()
    drift = tr["xco2_drift_ppm_per_decade"] * (table["time"] - ref) / (3652.5 * 86400.0)
    co, cl = tr["xco2_bias_ppm"]["ocean"], tr["xco2_bias_ppm"]["land"]
    pred_o = co["intercept"] + co["aot"] * table["aot_1p6"] + co["dps_hpa"] * table["dps_hpa"] + drift
    pred_l = (cl["intercept"] + cl["aot"] * table["aot_1p6"] + cl["dps_hpa"] * table["dps_hpa"]
              + cl["albedo"] * table["albedo_o2a"] + drift
              + np.where(table["gain"] == "M", tr["xco2_gain_m_offset_ppm"], 0.0))
    n_o, n_l = ocean.sum(), land.sum()
    assert n_o > 200 and n_l > 500
    assert abs(np.mean(err[ocean] - pred_o[ocean])) < 4 * 1.6 / np.sqrt(n_o)
    assert abs(np.mean(err[land] - pred_l[land])) < 4 * 1.6 / np.sqrt(n_l)
    assert np.mean(err[ocean]) == pytest.approx(-6.5, abs=0.3)


def _ols(X, y):
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    r = y - X @ beta
    cov = np.linalg.inv(X.T @ X) * (r @ r) / (len(y) - X.shape[1])
    return beta, np.sqrt(np.diag(cov))


def test_changed_injected_coefficients_are_recovered_from_the_files(tmp_path):
    """With the truth's coefficients changed (ocean AOT slope 40, land albedo slope 6, gain-M
    offset 3 ppm, ...), an OLS fit of (file XCO2 - truth) on the kept soundings recovers each
    within 4 standard errors, and each recovered value is further than 4 SE from the default,
    so the test would fail with a writer that ignores the configured coefficients (checked by
    dropping the ocean AOT term and the gain offset in injected_bias: both fail)."""
    sites = syn_tccon.read_site_table(load_config()["tccon_sites"])
    truth = dict(sg.DEFAULTS["truth"])
    truth["xco2_bias_ppm"] = {"land": {"intercept": 1.5, "aot": 15.0, "dps_hpa": -0.3, "albedo": 6.0},
                              "ocean": {"intercept": -4.0, "aot": 40.0, "dps_hpa": 0.4}}
    truth["xco2_gain_m_offset_ppm"] = 3.0
    truth["xco2_drift_ppm_per_decade"] = 0.0
    days = [dt.date(2016, m, d) for m in range(1, 13) for d in (5, 20)]
    paths = sg.write_days(tmp_path, days, {"truth": truth}, sites, species=("CO2",))
    tabs = [gio.read_gosat(p)[0] for p in paths]
    table = {k: np.concatenate([t[k] for t in tabs]) for k in tabs[0]}
    tt = pd.concat([pd.read_parquet(p) for p in sorted(tmp_path.glob("truth/*.parquet"))], ignore_index=True)
    qc = gs.screen(table, gs.load_screening(S23), "03")
    err = table["xco2"] - tt["xco2_true"].to_numpy()
    one = np.ones(len(err))
    default = sg.DEFAULTS["truth"]
    for surface, cols, names in (
            (0, [one, table["aot_1p6"], table["dps_hpa"]], ["intercept", "aot", "dps_hpa"]),
            (1, [one, table["aot_1p6"], table["dps_hpa"], table["albedo_o2a"], (table["gain"] == "M") * 1.0],
             ["intercept", "aot", "dps_hpa", "albedo", "gain_m"])):
        sel = (table["surface"] == surface) & (qc == 0)
        beta, se = _ols(np.stack(cols, axis=1)[sel], err[sel])
        key = "ocean" if surface == 0 else "land"
        for b, s, name in zip(beta, se, names, strict=True):
            want = truth["xco2_gain_m_offset_ppm"] if name == "gain_m" else truth["xco2_bias_ppm"][key][name]
            old = default["xco2_gain_m_offset_ppm"] if name == "gain_m" else default["xco2_bias_ppm"][key].get(name, 0)
            assert abs(b - want) < 4 * s, (key, name, b, want, s)
            assert abs(b - old) > 4 * s, (key, name, b, old, s)
