"""GOSAT MLR bias correction (S23 Sect. 4.5) as a library function.

Checked to fail on plausible wrong implementations: the correction added instead of subtracted,
the ocean fit given the land coefficients, no intercept, standard errors without the residual
variance (all noted at the asserts).
"""

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from satcol.core.config import load_config
from satcol.core.errors import ConfigError
from satcol.instruments.gosat import mlr
from satcol.instruments.gosat import reader as gio
from satcol.instruments.gosat import screening as gs
from satcol.synthetic import gosat as sg
from satcol.synthetic import tccon as syn_tccon

REPO = Path(__file__).resolve().parents[3]
TERMS = REPO / "config/instruments/gosat/mlr_terms.yaml"


def test_terms_yaml_is_s23():
    t = mlr.load_terms(TERMS)
    assert t["xco2"]["land"] == ("aot_1p6", "dps_hpa", "albedo_o2a")
    assert t["xco2"]["ocean"] == ("aot_1p6", "dps_hpa")  # no albedo over the ocean
    assert t["xco2"]["correct"] is True and t["xch4"]["correct"] is False  # S23: XCH4 not corrected


def test_bad_terms_yaml(tmp_path):
    doc = yaml.safe_load(TERMS.read_text())
    doc["xco2"]["ocean"] = "aot_1p6"
    p = tmp_path / "t.yaml"
    p.write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError, match="xco2.ocean"):
        mlr.load_terms(p)


def _table(n, rng):
    surface = np.tile(np.array([1, 0, 1, 2]), n // 4)
    return {"surface": surface, "aot_1p6": rng.uniform(0, 0.1, surface.size),
            "dps_hpa": rng.normal(0, 5, surface.size),
            "albedo_o2a": np.where(surface == 0, np.nan, rng.uniform(0.05, 0.4, surface.size))}


def test_noise_free_coefficients_and_correction_are_exact():
    """y = 0.5 + 2 AOT - 0.1 dPs + 3 albedo (land), -6 + 4 AOT + 0.2 dPs (ocean): the fits
    return these coefficients and the correction restores the truth exactly (fails if the
    correction is added, the intercept left out, or the surfaces' fits swapped)."""
    rng = np.random.default_rng(3)
    t = _table(400, rng)
    land, ocean = t["surface"] == 1, t["surface"] == 0
    y = np.where(land, 0.5 + 2 * t["aot_1p6"] - 0.1 * t["dps_hpa"] + 3 * np.nan_to_num(t["albedo_o2a"]),
                 -6.0 + 4 * t["aot_1p6"] + 0.2 * t["dps_hpa"])
    terms = mlr.load_terms(TERMS)["xco2"]
    fits = mlr.fit(y, t, terms, "xco2")
    np.testing.assert_allclose(fits["land"].coef, [0.5, 2.0, -0.1, 3.0], atol=1e-9)
    np.testing.assert_allclose(fits["ocean"].coef, [-6.0, 4.0, 0.2], atol=1e-9)
    truth = 400.0 + rng.normal(0, 1, y.size)
    corr = mlr.correct(truth + y, t, fits)
    np.testing.assert_allclose(corr[land | ocean], truth[land | ocean], atol=1e-9)
    assert np.isnan(corr[t["surface"] == 2]).all()  # mixed: no fit


def test_standard_errors_are_ols():
    """se = sqrt(diag(s^2 (X'X)^-1)), s^2 = RSS / (n - p) (fails without s^2 or with n in place
    of n - p)."""
    rng = np.random.default_rng(4)
    t = _table(200, rng)
    y = 1.0 + 3.0 * t["aot_1p6"] + rng.normal(0, 0.7, t["surface"].size)
    f = mlr.fit_surface(y, t, ("aot_1p6", "dps_hpa"), "ocean", "xco2")
    sel = t["surface"] == 0
    X = np.stack([np.ones(sel.sum()), t["aot_1p6"][sel], t["dps_hpa"][sel]], axis=1)
    beta = np.linalg.lstsq(X, y[sel], rcond=None)[0]
    r = y[sel] - X @ beta
    se = np.sqrt(np.diag(np.linalg.inv(X.T @ X)) * (r @ r) / (sel.sum() - 3))
    np.testing.assert_allclose(f.se, se, rtol=1e-9)
    assert f.n == sel.sum() and 0 <= f.r2 <= 1
    rows = mlr.fits_table({"ocean": f})
    assert list(rows["term"]) == ["intercept", "aot_1p6", "dps_hpa"]


def test_correction_fitted_on_some_days_removes_the_bias_on_others(tmp_path):
    """Synthetic record (gain and drift off, so the S23 terms are the whole bias model; noise
    0.3 ppm so that 0.1 ppm is six standard errors), GOSAT - truth standing in for GOSAT - TCCON: fitted on the kept soundings of the 5th of each month,
    applied to those of the 20th, the corrected land and ocean biases are within 0.1 ppm of 0
    (before: -6.4 ppm over the ocean). Fails with the correction added or the surfaces swapped."""
    sites = syn_tccon.read_site_table(load_config()["tccon_sites"])
    truth = dict(sg.DEFAULTS["truth"], xco2_gain_m_offset_ppm=0.0, xco2_drift_ppm_per_decade=0.0,
                 noise={"xco2_ppm": 0.3, "xch4_ppb": 9.0})
    days = [dt.date(2017, m, d) for m in range(1, 13) for d in (5, 20)]
    paths = sg.write_days(tmp_path, days, {"truth": truth}, sites, species=("CO2",))
    tabs = [gio.read_gosat(p)[0] for p in paths]
    table = {k: np.concatenate([t[k] for t in tabs]) for k in tabs[0]}
    tt = pd.concat([pd.read_parquet(p) for p in sorted(tmp_path.glob("truth/*.parquet"))], ignore_index=True)
    qc = gs.screen(table, gs.load_screening(REPO / "config/instruments/gosat/screening_s23.yaml"), "03")
    delta = table["xco2"] - tt["xco2_true"].to_numpy()
    day = pd.to_datetime(table["time"], unit="s").day
    train, test = (qc == 0) & (day == 5), (qc == 0) & (day == 20)
    fits = mlr.fit(delta, table, mlr.load_terms(TERMS)["xco2"], "xco2", rows=train)
    corrected = mlr.correct(table["xco2"], table, fits) - tt["xco2_true"].to_numpy()
    for s, code in (("land", 1), ("ocean", 0)):
        sel = test & (table["surface"] == code)
        assert sel.sum() > 150
        assert abs(np.mean(corrected[sel])) < 0.1, (s, np.mean(corrected[sel]))
        assert 6 * np.std(corrected[sel]) / np.sqrt(sel.sum()) < 0.1  # the tolerance is many standard errors
        assert abs(np.mean(delta[sel])) > 0.3  # and smaller than the bias corrected
    assert np.mean(delta[test & (table["surface"] == 0)]) < -5.5


def test_xch4_is_left_uncorrected_unless_configured():
    """S23 corrects XCO2 only: with the shipped terms XCH4 comes back unchanged; with
    ``correct: true`` it is corrected like XCO2 (fails if the flag is ignored either way)."""
    rng = np.random.default_rng(8)
    t = _table(200, rng)
    y = np.where(t["surface"] == 0, -9.0 + 15 * t["aot_1p6"], -3.0 + 20 * t["aot_1p6"])
    terms = mlr.load_terms(TERMS)
    fits = mlr.fit(y, t, terms["xch4"], "xch4")
    x = 1850.0 + y
    np.testing.assert_array_equal(mlr.corrected_column(x, t, fits, terms["xch4"]), x)
    on = dict(terms["xch4"], correct=True)
    got = mlr.corrected_column(x, t, fits, on)
    np.testing.assert_allclose(got[t["surface"] != 2], 1850.0, atol=1e-6)


def test_unknown_term_is_a_config_error_naming_file_and_key(tmp_path):
    """A term that is not a column of the GOSAT table (a typo) is a ConfigError naming the file
    and the key at load time, not a KeyError inside the fit (fails without the check: the file
    loads)."""
    doc = yaml.safe_load(TERMS.read_text())
    doc["xch4"]["land"] = ["aot_1p6", "albedo_oa2"]
    p = tmp_path / "typo.yaml"
    p.write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError, match=r"typo\.yaml.*xch4\.land.*albedo_oa2"):
        mlr.load_terms(p)
    assert mlr.load_terms(p, fields=("aot_1p6", "albedo_oa2", "dps_hpa", "albedo_o2a"))["xch4"]["land"] == \
        ("aot_1p6", "albedo_oa2")


def test_surface_below_min_matchups_is_not_fitted_and_left_uncorrected():
    """mlr_min_matchups: 100 land and 100 ocean rows (noise-free, as in the exact-coefficient
    test); with a minimum of 101 usable rows neither is fitted, with 100 both are; with the
    ocean rows cut to 40 and a minimum of 50 only land is fitted, the ocean soundings keep their
    column unchanged (not NaN, not the land correction) and are the ones marked not fitted.
    Fails if the minimum is compared with >, if an unfitted surface gets NaN or another
    surface's fit."""
    rng = np.random.default_rng(11)
    t = _table(400, rng)
    land, ocean = t["surface"] == 1, t["surface"] == 0
    assert land.sum() == 200 and ocean.sum() == 100
    y = np.where(land, 0.5 + 2 * t["aot_1p6"], -6.0 + 4 * t["aot_1p6"] + 0.2 * t["dps_hpa"])
    terms = mlr.load_terms(TERMS)["xco2"]
    assert set(mlr.fit(y, t, terms, "xco2", min_matchups=100)) == {"land", "ocean"}
    assert set(mlr.fit(y, t, terms, "xco2", min_matchups=101)) == {"land"}
    keep = ~ocean | (np.cumsum(ocean) <= 40)
    tt = {k: v[keep] for k, v in t.items()}
    fits = mlr.fit(y[keep], tt, terms, "xco2", min_matchups=50)
    assert set(fits) == {"land"}
    x = 400.0 + y[keep]
    corr = mlr.correct(x, tt, fits)
    oc = tt["surface"] == 0
    np.testing.assert_array_equal(corr[oc], x[oc])
    np.testing.assert_allclose(corr[tt["surface"] == 1], 400.0, atol=1e-9)
    np.testing.assert_array_equal(mlr.not_fitted_mask(tt, fits), oc)
    with pytest.raises(ValueError):  # without a minimum an unfittable surface still raises
        mlr.fit(y[keep], {**tt, "surface": np.where(oc, 0, tt["surface"])}, terms, "xco2", rows=~oc | (np.cumsum(oc) <= 2))
