"""The TCCON variants are named by their scale, GGG2020's missing unscaled variant is reported as
missing (never as a copy), and the OSSE scale rows expect each format's own value."""

import copy

import numpy as np
import pytest
from test_validation import days_table

from satcol.core.config import instrument_config, load_config
from satcol.osse import recovery
from satcol.validation import fits as validation

GGG2020_STORES = [{"tccon_format": "ggg2020", "xco_scale": "Not used"}] * 3
GGG2014_STORES = [{"tccon_format": "ggg2014", "xco_scale": "WMO (GGG2014 public xco_ppb, AICF applied)"}] * 3


def ggg2020_days(scale):
    d = days_table(scale)
    for m in ("method_0", "method_II", "method_III"):
        d[f"{m}_unscaled_x"] = np.nan  # colocation of a GGG2020 store: xco_unscaled is NaN
    return d


def test_variant_names_say_the_scale():
    lab = validation.variant_labels(GGG2020_STORES)
    assert lab["standard"]["name"] == "ggg2020_xco_scale_not_used" and lab["standard"]["scale"] == "Not used"
    assert not lab["unscaled"]["available"]
    lab = validation.variant_labels(GGG2014_STORES)
    assert lab["standard"]["name"] == "ggg2014_xco_wmo_scaled" and lab["unscaled"]["available"]


@pytest.mark.parametrize("labels", [None, validation.variant_labels(GGG2020_STORES)])
def test_ggg2020_validation_reports_no_unscaled_fit(labels):
    r = validation.validate(ggg2020_days(1.064), labels)
    assert r["method_II"]["standard"]["scale_factor"] == pytest.approx(1.064, abs=0.002)
    for m in ("method_0", "method_II", "method_III"):
        u = r[m]["unscaled"]
        assert u["n"] == 0 and u["available"] is False and "scale_factor" not in u
    if labels is not None:
        assert r["method_II"]["standard"]["variant_name"] == "ggg2020_xco_scale_not_used"


def _config(fmt):
    cfg = instrument_config(load_config())
    cfg["synthetic"]["tccon_format"] = fmt
    return cfg


def test_scale_rows_expect_each_formats_value():
    """GGG2020 (XCO on the truth scale): method II expects global_scale; a GGG2014-style
    expectation (global_scale x 0.937 for an unscaled column) would fail the same numbers."""
    cfg = _config("ggg2020")
    g = cfg["synthetic"]["truth"]["global_scale"]
    v = validation.validate(ggg2020_days(g), validation.variant_labels(GGG2020_STORES))
    rows = {r["quantity"]: r for r in recovery.scale_rows(v, cfg)}
    assert rows["global_scale_method_II_ggg2020_xco_scale_not_used"]["ok"]
    assert rows["global_scale_method_II_ggg2020_xco_scale_not_used"]["injected"] == g
    assert rows["global_scale_method_II_ggg2020_xco_unscaled_not_available"]["ok"]
    # A validation that copied the standard numbers into the unscaled variant fails that row.
    dup = copy.deepcopy(v)
    dup["method_II"]["unscaled"] = dup["method_II"]["standard"]
    rows = {r["quantity"]: r for r in recovery.scale_rows(dup, cfg)}
    assert not rows["global_scale_method_II_ggg2020_xco_unscaled_not_available"]["ok"]
    # A GGG2020 run at 0.937 x the scale (the GGG2014 unscaled convention) fails the scored row.
    v_wrong = validation.validate(ggg2020_days(g * 0.937))
    rows = {r["quantity"]: r for r in recovery.scale_rows(v_wrong, cfg)}
    assert not rows["global_scale_method_II_ggg2020_xco_scale_not_used"]["ok"]


def test_scale_rows_ggg2014_keep_the_wmo_contrast():
    cfg = _config("ggg2014")
    g = cfg["synthetic"]["truth"]["global_scale"]
    v = validation.validate(days_table(g), validation.variant_labels(GGG2014_STORES))
    rows = {r["quantity"]: r for r in recovery.scale_rows(v, cfg)}
    assert rows["global_scale_method_II_ggg2014_xco_wmo_scaled"]["ok"]
    assert rows["global_scale_method_II_ggg2014_xco_unscaled"]["ok"]  # 0.937 g lies in the range
    assert rows["global_scale_method_0_ggg2014_xco_unscaled"]["injected"] == pytest.approx(g * 0.937)
