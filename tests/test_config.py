"""Config validation: defaults, unknown keys, wrong types, key-by-key overrides."""

import pytest

from satcol.config import load_config, normalize
from satcol.errors import ConfigError


def test_default_config_validates_and_fills_defaults():
    cfg = load_config()
    assert cfg["on_bad_input"] == "fail"
    assert cfg["synthetic"]["enabled"] is True
    assert cfg["synthetic"]["truth"]["instrument_events"] == ["2009-07-28"]
    assert cfg["synthetic"]["tccon_interval_minutes"] == 4  # filled from the schema


def test_unknown_key_names_the_key():
    with pytest.raises(ConfigError, match="synthetic.*'orbits_per_dya' was unexpected"):
        load_config(overrides={"synthetic": {"orbits_per_dya": 3}})


def test_wrong_type_names_the_key():
    with pytest.raises(ConfigError, match=r"synthetic\.days_per_month"):
        load_config(overrides={"synthetic": {"days_per_month": "two"}})
    with pytest.raises(ConfigError, match="on_bad_input"):
        load_config(overrides={"on_bad_input": "ignore"})


def test_integer_pixel_keys_are_normalized():
    cfg = load_config(overrides={"synthetic": {"truth": {"pixel_bias_ppb": {1: 2.0, 2: 0, 3: 0, 4: 0}}}})
    assert cfg["synthetic"]["truth"]["pixel_bias_ppb"]["1"] == 2.0
    assert normalize({1: {2: 3}}) == {"1": {"2": 3}}


def test_override_is_key_by_key():
    cfg = load_config(overrides={"synthetic": {"truth": {"global_scale": 1.1}}})
    assert cfg["synthetic"]["truth"]["global_scale"] == 1.1
    assert cfg["synthetic"]["truth"]["tccon_wmo_factor"] == 0.937  # untouched sibling
    assert cfg["synthetic"]["start"] == "2007-01-01"
