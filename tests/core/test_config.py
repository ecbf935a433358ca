"""Config validation: defaults, unknown keys, wrong types, key-by-key overrides."""

import pytest

from satcol.core.config import load_config, normalize
from satcol.core.errors import ConfigError


def _leaves(d, prefix=""):
    """{dotted key: value} of a nested mapping."""
    out = {}
    for k, v in d.items():
        if isinstance(v, dict) and v:
            out.update(_leaves(v, f"{prefix}{k}."))
        else:
            out[prefix + k] = v
    return out


def test_a_missing_key_gets_the_default_the_run_uses():
    """A config validated without a section (a library user's partial config, or a config file
    of an older version) gets every key of it from the schema, and gets the values the default
    run uses (config/config.yaml): the documented default is the one that runs. Checked by
    behaviour, section by section, not by reading either file's values.

    Mutations checked (each fails here): the schema default of feature_bias.rms_scope changed to
    surface; the default filling of validate() switched off (the key stays missing). The
    ``synthetic`` section is left out: its schema documents days_per_month 1 for a user's
    synthetic run while the default run uses 3 (README "Quick start")."""
    import copy

    from satcol.core.config import DEFAULT_CONFIG, read_yaml, validate

    base = normalize(read_yaml(DEFAULT_CONFIG))
    full = validate(copy.deepcopy(base))
    for section in sorted(set(base) - {"synthetic"}):
        partial = copy.deepcopy(base)
        del partial[section]
        filled = validate(partial)
        assert section in filled, section
        assert _leaves({section: filled[section]}) == _leaves({section: full[section]}), section


def test_feature_bias_and_colocation_options_are_validated():
    """The feature_bias and colocation options take only their documented values."""
    for key, bad in (("rms_scope", "land"), ("model", "spline"), ("breakpoint", "auto"), ("anomalies", "raw"),
                     ("fixed_breakpoints", {"max_adjacent_diff": "100"}), ("select_min_gain", -1)):
        with pytest.raises(ConfigError, match=rf"feature_bias\.{key}"):
            load_config(overrides={"feature_bias": {key: bad}})
    for key, bad in (("overpass_gap_minutes", 0), ("window_minutes", "30")):
        with pytest.raises(ConfigError, match=rf"colocation\.{key}"):
            load_config(overrides={"colocation": {key: bad}})
    # A map is merged key by key like every other section: a breakpoint given for another
    # candidate adds to H19's, it does not replace it.
    cfg = load_config(overrides={"feature_bias": {"fixed_breakpoints": {"snr_5a": 900}}})
    assert cfg["feature_bias"]["fixed_breakpoints"] == {"max_adjacent_diff": 100.0, "snr_5a": 900}


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


def test_input_globs_expand_environment_variables_and_name_a_missing_one(monkeypatch, tmp_path):
    from satcol.pipeline import plan as workflow_plan

    monkeypatch.setenv("SATCOL_TEST_DATA", str(tmp_path))
    assert workflow_plan.input_glob("$SATCOL_TEST_DATA/MOP02J-*.he5") == f"{tmp_path}/MOP02J-*.he5"
    assert workflow_plan.input_glob("${SATCOL_TEST_DATA}/x") == f"{tmp_path}/x"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert workflow_plan.input_glob("~/d/*.nc") == f"{tmp_path}/d/*.nc"
    monkeypatch.delenv("SATCOL_TEST_DATA")
    with pytest.raises(ConfigError, match=r"\$SATCOL_TEST_DATA.*not set"):
        workflow_plan.input_glob("$SATCOL_TEST_DATA/MOP02J-*.he5")
