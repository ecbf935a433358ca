"""Config validation: defaults, unknown keys, wrong types, key-by-key overrides."""


import pytest

from satcol.core.config import instrument_config, load_config, migrate, normalize
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
    # MOPITT's sections (instruments.mopitt, its own schema file), one at a time
    for section in sorted(base["instruments"]["mopitt"]):
        partial = copy.deepcopy(base)
        del partial["instruments"]["mopitt"][section]
        filled = validate(partial)["instruments"]["mopitt"]
        assert _leaves({section: filled[section]}) == _leaves({section: full["instruments"]["mopitt"][section]}), section


def test_feature_bias_and_colocation_options_are_validated():
    """The feature_bias and colocation options take only their documented values."""
    for key, bad in (("rms_scope", "land"), ("model", "spline"), ("breakpoint", "auto"), ("anomalies", "raw"),
                     ("fixed_breakpoints", {"max_adjacent_diff": "100"}), ("select_min_gain", -1)):
        with pytest.raises(ConfigError, match=rf"feature_bias\.{key}"):
            load_config(overrides={"instruments": {"mopitt": {"feature_bias": {key: bad}}}})
    for key, bad in (("overpass_gap_minutes", 0), ("window_minutes", "30")):
        with pytest.raises(ConfigError, match=rf"colocation\.{key}"):
            load_config(overrides={"colocation": {key: bad}})
    # A map is merged key by key like every other section: a breakpoint given for another
    # candidate adds to H19's, it does not replace it.
    cfg = load_config(overrides={"instruments": {"mopitt": {"feature_bias": {"fixed_breakpoints": {"snr_5a": 900}}}}})
    assert cfg["instruments"]["mopitt"]["feature_bias"]["fixed_breakpoints"] == {"max_adjacent_diff": 100.0,
                                                                                  "snr_5a": 900}


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


# --- MOPITT's keys under instruments.mopitt (issue 20 item 3) -------------------------------------


def test_old_top_level_keys_are_moved_with_one_message_each(caplog):
    """A config of before the move keeps working: each old key lands at its new place, with one
    log line naming it; the keys that did not move (input.tccon) stay."""
    old = {"prefilter": {"sza_max": 70.0}, "sra": {"min_soundings": 12},
           "input": {"mopitt": "/data/MOP02J-*.he5", "tccon": "/data/tccon/*.nc"}}
    with caplog.at_level("WARNING", logger="satcol.core.config"):
        cfg = load_config(overrides=old)
    m = cfg["instruments"]["mopitt"]
    assert m["prefilter"] == {"sza_max": 70.0, "snow_ice_min": 0.999}  # the default sibling kept
    assert m["sra"]["min_soundings"] == 12 and m["sra"]["lat_size_deg"] == 0.8
    assert m["input"] == "/data/MOP02J-*.he5" and cfg["input"] == {"tccon": "/data/tccon/*.nc"}
    assert not {"prefilter", "sra"} & set(cfg)
    lines = [r.getMessage() for r in caplog.records]
    assert sorted(lines) == sorted([
        "config: 'input.mopitt' moved to 'instruments.mopitt.input'; accepted for now, please move it",
        "config: 'prefilter' moved to 'instruments.mopitt.prefilter'; accepted for now, please move it",
        "config: 'sra' moved to 'instruments.mopitt.sra'; accepted for now, please move it"])
    # the same values given at the new places make the same config
    new = {"instruments": {"mopitt": {"prefilter": {"sza_max": 70.0}, "sra": {"min_soundings": 12},
                                      "input": "/data/MOP02J-*.he5"}}, "input": {"tccon": "/data/tccon/*.nc"}}
    assert load_config(overrides=new) == cfg
    assert migrate(new) == (new, [])


def test_a_key_at_both_places_names_both():
    with pytest.raises(ConfigError, match=r"config key export and config key instruments\.mopitt\.export both given"):
        load_config(overrides={"export": {"scale_to": "none"},
                               "instruments": {"mopitt": {"export": {"compression_level": 4}}}})
    with pytest.raises(ConfigError, match=r"input\.mopitt and config key instruments\.mopitt\.input"):
        migrate({"input": {"mopitt": "a"}, "instruments": {"mopitt": {"input": "b"}}})


def test_no_instruments_section_is_mopitt_with_its_defaults():
    """No instruments section and no old key: MOPITT alone with the values of the default run."""
    from satcol.core.config import DEFAULT_CONFIG, read_yaml, validate

    base = normalize(read_yaml(DEFAULT_CONFIG))
    cfg = validate({k: v for k, v in base.items() if k != "instruments"})
    assert cfg["instruments"]["mopitt"] == load_config()["instruments"]["mopitt"]
    assert cfg["instruments"]["mopitt"]["prefilter"] == {"sza_max": 80.0, "snow_ice_min": 0.999}


def test_instrument_config_is_the_chain_view():
    cfg = load_config(overrides={"instruments": {"mopitt": {"sra": {"min_soundings": 12}}}})
    view = instrument_config(cfg, "mopitt")
    assert view["sra"]["min_soundings"] == 12 and view["colocation"] == cfg["colocation"]
    assert "instruments" not in view and view["input"] == "data/mopitt/MOP02J-*.he5"


def test_plugins_and_instrument_sections_are_checked(tmp_path, monkeypatch):
    from satcol import instruments
    from satcol.core.config import generic_instruments, load_plugins

    with pytest.raises(ConfigError, match="plugins: cannot import 'satcol_no_such_plugin'"):
        load_plugins(["satcol_no_such_plugin"])
    with pytest.raises(ConfigError, match=r"instruments\.nosuch: no instrument 'nosuch' is registered"):
        generic_instruments(load_config(overrides={"instruments": {"nosuch": {"input": "x/*.h5"}}}))
    with pytest.raises(ConfigError, match=r"instruments\.nosuch: .*'input'"):
        load_config(overrides={"instruments": {"nosuch": {"prefilter": {}}}})
    # a plug-in module registers its instrument on import; GOSAT keeps its own chain
    (tmp_path / "satcol_cfg_plugin.py").write_text(
        "from satcol import instruments\nfrom test_instruments import make_toy\n"
        "instruments.register(make_toy(), replace=True)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        cfg = load_config(overrides={"plugins": ["satcol_cfg_plugin"], "instruments": {"toyfts": {"input": "x"}}})
        assert load_plugins(cfg["plugins"]) == ["satcol_cfg_plugin"]
        assert generic_instruments(cfg) == ["mopitt", "toyfts"]
    finally:
        instruments.unregister("toyfts")
