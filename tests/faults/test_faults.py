"""The fault catalogue (issue #6): every kind of bad input and what satcol does with it.

Each case records its kind and what satcol did (``_observed``) after its last check;
``test_fault_catalogue_has_at_least_twenty_kinds`` runs every in-process case and counts the
kinds recorded.

Each MOPITT and TCCON case breaks a copy of a good file in one way. With ``on_bad_input: fail``
the run must stop with a message naming the file and the dataset (or variable); with ``skip``
the file is left out and counted under its reason. Soundings with a bad value inside an
otherwise good file are kept and flagged (QC bit ``input_fill``). Config and workflow cases
follow at the end; the "Bad input" table of docs/configuration.md lists the same behaviours.
"""

import os
import shutil

import h5py
import netCDF4
import numpy as np
import pandas as pd
import pytest
import yaml
from helpers import REPO, TINY, snakemake

from satcol.core import store
from satcol.core.config import load_config
from satcol.core.errors import BadInputError, ConfigError
from satcol.instruments.mopitt import filters, sra
from satcol.instruments.mopitt.format import DATA, GEO
from satcol.pipeline import ingest
from satcol.pipeline import plan as workflow_plan

#: What each case observed satcol do, appended at the end of the case once every check held:
#: (kind, outcome). The catalogue test derives its kinds from this, not from names written here.
OBSERVED: list[tuple[str, str]] = []


def _observed(kind, outcome):
    OBSERVED.append((kind, str(outcome)))




def _set(path, name, fn):
    with h5py.File(path, "a") as f:
        d = f[name]
        v = d[...]
        d[...] = fn(v)


def _replace(path, name, data):
    with h5py.File(path, "a") as f:
        attrs = dict(f[name].attrs)
        del f[name]
        d = f.create_dataset(name, data=data)
        for k, v in attrs.items():
            d.attrs[k] = v


def truncate(p):
    with open(p, "r+b") as f:
        f.truncate(p.stat().st_size // 3)


def _first(v, value):
    v = v.copy()
    v[0] = value
    return v


#: MOPITT file faults: name -> (break the file, reason counted in skip mode, text the error names).
MOPITT_FAULTS = {
    "truncated_hdf5": (truncate, "unreadable", "cannot open as HDF5"),
    "zero_byte_file": (lambda p: p.write_bytes(b""), "unreadable", "cannot open as HDF5"),
    "not_hdf5": (lambda p: p.write_text("not an HDF5 file\n"), "unreadable", "cannot open as HDF5"),
    "missing_dataset": (lambda p: _delete(p, f"{DATA}/SolarZenithAngle"), "missing_dataset", "SolarZenithAngle"),
    "wrong_shape": (lambda p: _replace(p, f"{DATA}/RetrievalAveragingKernelMatrix",
                                       np.zeros((_n(p), 9, 10), np.float32)), "bad_shape",
                    "RetrievalAveragingKernelMatrix"),
    "wrong_dtype": (lambda p: _replace(p, f"{DATA}/DegreesofFreedomforSignal",
                                       np.array([b"x"] * _n(p))), "bad_dtype", "DegreesofFreedomforSignal"),
    "group_not_dataset": (lambda p: (_delete(p, f"{DATA}/SignalChi2"), _group(p, f"{DATA}/SignalChi2")),
                          "bad_structure", "SignalChi2"),
    "all_fill_columns": (lambda p: _set(p, f"{DATA}/RetrievedCOTotalColumn", lambda v: np.full_like(v, -9999.0)),
                         "all_fill", "RetrievedCOTotalColumn"),
    "negative_surface_pressure": (lambda p: _set(p, f"{DATA}/SurfacePressure", lambda v: _first(v, -5.0)),
                                  "out_of_range", "SurfacePressure"),
    "surface_pressure_above_1100": (lambda p: _set(p, f"{DATA}/SurfacePressure", lambda v: _first(v, 1150.0)),
                                    "out_of_range", "SurfacePressure"),
    "latitude_out_of_range": (lambda p: _set(p, f"{GEO}/Latitude", lambda v: _first(v, 95.0)), "out_of_range",
                              "Latitude"),
    "pixel_outside_1_4": (lambda p: _set(p, f"{DATA}/SwathIndex", lambda v: _pixel(v, 5)), "out_of_range",
                          "SwathIndex"),
    "time_outside_day": (lambda p: _set(p, f"{GEO}/Time", lambda v: _first(v, v[0] + 3 * 86400.0)),
                         "time_outside_day", "Time"),
    "no_soundings": (lambda p: _empty(p), "empty", "Latitude"),
}


def _n(p):
    with h5py.File(p, "r") as f:
        return f[f"{GEO}/Latitude"].shape[0]


def _delete(p, name):
    with h5py.File(p, "a") as f:
        del f[name]


def _group(p, name):
    with h5py.File(p, "a") as f:
        f.create_group(name)


def _pixel(v, value):
    v = v.copy()
    v[0, 0] = value
    return v


def _empty(p):
    """Every dataset cut to zero soundings (a file that holds none)."""
    with h5py.File(p, "a") as f:
        n = f[f"{GEO}/Latitude"].shape[0]
        names = []
        f.visititems(lambda k, o: names.append(k) if isinstance(o, h5py.Dataset) and o.shape[:1] == (n,) else None)
        for name in names:
            v = f[name][...]
            attrs = dict(f[name].attrs)
            del f[name]
            d = f.create_dataset(name, data=v[:0])
            for k, a in attrs.items():
                d.attrs[k] = a


def _ingest(tmp_path, files, on_bad):
    out = tmp_path / f"store-{on_bad}"
    return ingest.ingest_mopitt_month("2009-07", files, out / "s.parquet", out / "p.nc", {"on_bad_input": on_bad})


def _broken_copy(tmp_path, synthetic_day, fault):
    bad = tmp_path / synthetic_day["path"].name
    shutil.copy(synthetic_day["path"], bad)
    MOPITT_FAULTS[fault][0](bad)
    return bad


@pytest.mark.parametrize("fault", sorted(MOPITT_FAULTS))
def test_mopitt_fault_stops_naming_file_and_dataset_or_is_counted(tmp_path, synthetic_day, fault):
    _, reason, names = MOPITT_FAULTS[fault]
    bad = _broken_copy(tmp_path, synthetic_day, fault)
    with pytest.raises(BadInputError) as e:
        _ingest(tmp_path, [bad], "fail")
    assert bad.name in str(e.value) and names in str(e.value) and e.value.reason == reason
    report = _ingest(tmp_path, [bad], "skip")
    assert [s["reason"] for s in report["skipped"]] == [reason]
    assert report["skipped"][0]["file"].endswith(bad.name) and report["n_soundings"] == 0
    _observed(fault, reason)


def test_bad_file_name_stops_or_is_counted(tmp_path, synthetic_day):
    bad = tmp_path / "MOP02J-2009-07-16.he5"
    shutil.copy(synthetic_day["path"], bad)
    with pytest.raises(BadInputError, match="MOP02J-2009-07-16.he5.*does not match"):
        _ingest(tmp_path, [bad], "fail")
    assert [s["reason"] for s in _ingest(tmp_path, [bad], "skip")["skipped"]] == ["bad_filename"]
    _observed("bad_file_name", "bad_filename")


def test_two_processor_versions_of_one_day_use_the_newest_readable(tmp_path, synthetic_day):
    """The newest version is used and the older one (an older V9 processor version, as the V8
    layout differs) is listed as superseded; if the newest is unreadable, the older one is used
    and the broken one counted (skip) or the run stops (fail)."""
    src = synthetic_day["path"]
    old = tmp_path / src.name.replace("L2V19.9.3", "L2V19.9.1")
    new = tmp_path / src.name
    shutil.copy(src, old)
    shutil.copy(src, new)
    report = _ingest(tmp_path, [old, new], "fail")
    assert report["files"][0]["version"] == "19.9.3" and [s["version"] for s in report["superseded"]] == ["19.9.1"]
    assert report["n_soundings"] == synthetic_day["fields"]["Latitude"].size
    truncate(new)
    with pytest.raises(BadInputError, match=new.name):
        _ingest(tmp_path, [old, new], "fail")
    report = _ingest(tmp_path, [old, new], "skip")
    assert report["files"][0]["version"] == "19.9.1" and report["skipped"][0]["reason"] == "unreadable"
    _observed("two_processor_versions", "superseded")


@pytest.mark.parametrize("value", [np.nan, np.inf, -9999.0])
def test_nan_inf_or_fill_in_averaging_kernels_flags_the_sounding(tmp_path, synthetic_day, value):
    bad = tmp_path / synthetic_day["path"].name
    shutil.copy(synthetic_day["path"], bad)

    def poison(v):
        v = v.copy()
        v[:3, 0, 0] = value  # slot 0 (the surface) is always retrieved
        return v

    _set(bad, f"{DATA}/RetrievalAveragingKernelMatrix", poison)
    report = _ingest(tmp_path, [bad], "fail")
    df = store.read_soundings(tmp_path / "store-fail/s.parquet")
    assert len(df) == synthetic_day["fields"]["Latitude"].size  # flagged, not dropped
    assert report["qc_counts"]["input_fill"] == 3 and (df["qc"].to_numpy()[:3] & 1).all()
    assert report["n_kept"] + report["n_flagged"] == len(df)
    _observed(f"averaging_kernel_{value}", "input_fill")


def test_unsorted_times_give_the_same_small_region_anomalies(tmp_path, synthetic_day):
    """A file whose soundings are not in time order is read as it is; the SRA groups by region
    and time whatever the row order, so every sounding gets the same anomaly."""
    good = _ingest(tmp_path, [synthetic_day["path"]], "fail")
    assert good["n_soundings"] > 0
    a = store.read_soundings(tmp_path / "store-fail/s.parquet")
    perm = np.random.default_rng(0).permutation(len(a))
    b = a.iloc[perm].reset_index(drop=True)
    t = (a["time"] - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy()

    def anomalies(df, t):
        use = np.ones(len(df), bool)
        region = sra.region_ids(df["lat"].to_numpy(), df["lon"].to_numpy(), t, use)
        res = sra.small_region_anomalies(df["xgas"].to_numpy(), df["dof"].to_numpy(), region)
        return pd.Series(res.anomaly, index=df["sounding_id"].to_numpy())

    ra, rb = anomalies(a, t), anomalies(b, t[perm])
    pd.testing.assert_series_equal(ra.sort_index(), rb.sort_index())
    _observed("unsorted_times", "same_anomalies")


# --- TCCON ------------------------------------------------------------------------------------------
def _tccon_file(tmp_path, synthetic_day):
    """A good synthetic GGG2014 file of the first site with a clear measurement day."""
    from satcol.synthetic import tccon as syntccon

    syn = {**synthetic_day["config"]["synthetic"], "tccon_format": "ggg2014"}  # the default is GGG2020
    sites = syntccon.read_site_table(REPO / "config/tccon_sites.tsv")
    for _, site in sites.iterrows():
        sim = syntccon.simulate_site(site, syn)
        if sim is not None:
            path = tmp_path / f"{site['id']}20090701_20090831.public.nc"
            return syntccon.write_ggg2014(path, sim, site)
    raise AssertionError("no synthetic TCCON site has a clear day in the test period")


def _drop_var(path, name):
    with netCDF4.Dataset(path, "a") as nc:
        nc.renameVariable(name, name + "_gone")


TCCON_FAULTS = {
    "tccon_missing_prior": (lambda p: _drop_var(p, "prior_co"), "missing_variable", "prior_co"),
    "tccon_missing_ak": (lambda p: _drop_var(p, "ak_co"), "missing_variable", "ak_co"),
    "tccon_missing_aicf": (lambda p: (_drop_var(p, "xco_aicf"), _del_attr(p, "xco_ppb", "aicf")), "missing_variable",
                           "xco_aicf"),
    "tccon_zero_byte": (lambda p: p.write_bytes(b""), "unreadable", "cannot open as netCDF"),
}


def _del_attr(path, var, attr):
    with netCDF4.Dataset(path, "a") as nc:
        if attr in nc[var].ncattrs():
            nc[var].delncattr(attr)


@pytest.mark.parametrize("fault", sorted(TCCON_FAULTS) + ["tccon_no_overlap"])
def test_tccon_fault_stops_naming_file_and_variable_or_is_counted(tmp_path, synthetic_day, fault):
    path = _tccon_file(tmp_path, synthetic_day)
    period = None
    if fault == "tccon_no_overlap":
        reason, names, period = "no_overlap", "time", (0.0, 86400.0)
    else:
        brk, reason, names = TCCON_FAULTS[fault]
        brk(path)
    out = tmp_path / "site.nc"
    with pytest.raises(BadInputError) as e:
        ingest.ingest_tccon_site(path.name[:2], [path], out, {"on_bad_input": "fail"}, period)
    assert path.name in str(e.value) and names in str(e.value) and e.value.reason == reason
    report = ingest.ingest_tccon_site(path.name[:2], [path], out, {"on_bad_input": "skip"}, period)
    assert [s["reason"] for s in report["skipped"]] == [reason] and report["n_measurements"] == 0
    _observed(fault, reason)


# --- config and plan ----------------------------------------------------------------------------------
def _real_config(tmp_path, **extra):
    cfg = {"synthetic": {"enabled": False}, "input": {"tccon": str(tmp_path / "tccon/*.public.nc")},
           "instruments": {"mopitt": {"input": str(tmp_path / "mopitt/MOP02J-*.he5")}}}
    cfg.update(extra)
    return load_config(overrides=cfg)


def test_unknown_config_key_and_wrong_type_name_the_key():
    with pytest.raises(ConfigError, match="orbits_per_dya"):
        load_config(overrides={"synthetic": {"orbits_per_dya": 2}})
    with pytest.raises(ConfigError, match=r"synthetic\.days_per_month.*not of type"):
        load_config(overrides={"synthetic": {"days_per_month": "two"}})
    with pytest.raises(ConfigError, match=r"export\.scale_to"):
        load_config(overrides={"instruments": {"mopitt": {"export": {"scale_to": "tccon"}}}})
    _observed("unknown_config_key", "ConfigError")
    _observed("config_wrong_type", "ConfigError")


def test_filter_table_naming_an_unknown_field_names_file_and_field(tmp_path):
    table = tmp_path / "my_filters.yaml"
    table.write_text(yaml.safe_dump({"filters": [{"field": "dofs", "op": "<", "threshold": 1.0}]}))
    with pytest.raises(ConfigError, match=r"my_filters.yaml.*unknown field 'dofs'"):
        filters.load_filter_file(table)
    _observed("filter_unknown_field", "ConfigError")


def test_missing_site_table_names_the_key(tmp_path):
    cfg = load_config(overrides={"tccon_sites": str(tmp_path / "nowhere.tsv")})
    with pytest.raises(ConfigError, match="tccon_sites"):
        workflow_plan.build(cfg, REPO)
    _observed("missing_site_table", "ConfigError")


def test_tccon_site_missing_from_the_site_table(tmp_path, synthetic_day):
    (tmp_path / "mopitt").mkdir()
    (tmp_path / "tccon").mkdir()
    shutil.copy(synthetic_day["path"], tmp_path / "mopitt")
    (tmp_path / "tccon/zz20090716_20090716.public.nc").write_bytes(b"")
    with pytest.raises(BadInputError, match=r"zz20090716_20090716.public.nc.*site 'zz' is not in the site table"):
        workflow_plan.build(_real_config(tmp_path), REPO)
    plan = workflow_plan.build(_real_config(tmp_path, on_bad_input="skip"), REPO)
    assert plan.sites == [] and [s["reason"] for s in plan.skipped] == ["unknown_site"]
    _observed("site_not_in_table", "unknown_site")


def test_empty_month_stops_naming_it_or_is_counted(tmp_path, synthetic_day):
    (tmp_path / "mopitt").mkdir()
    shutil.copy(synthetic_day["path"], tmp_path / "mopitt")
    months = {"synthetic": {"enabled": False}, "input": {"tccon": "none/*.nc", "months": ["2009-07", "2009-08"]},
              "instruments": {"mopitt": {"input": str(tmp_path / "mopitt/MOP02J-*.he5")}}}
    with pytest.raises(ConfigError, match=r"input.months: no MOPITT file for month 2009-08"):
        workflow_plan.build(load_config(overrides=months), REPO)
    plan = workflow_plan.build(load_config(overrides={**months, "on_bad_input": "skip"}), REPO)
    assert plan.months == ["2009-07"] and [s["reason"] for s in plan.skipped] == ["empty_month"]
    _observed("empty_month", "empty_month")


def test_output_directory_that_cannot_be_written_names_it(tmp_path):
    blocker = tmp_path / "results"
    blocker.write_text("a file where the output directory should be")
    with pytest.raises(ConfigError, match=r"output directory .*results: cannot write"):
        workflow_plan.check_output_dir(blocker)
    if os.geteuid() != 0:  # root writes through permission bits
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o555)
        with pytest.raises(ConfigError, match="cannot write"):
            workflow_plan.check_output_dir(ro / "results")
    _observed("unwritable_output_directory", "ConfigError")


def test_config_is_never_evaluated():
    """Input safety: YAML is loaded with safe_load only and nothing in src/ evaluates text."""
    bad = []
    for path in (REPO / "src").rglob("*.py"):
        text = path.read_text()
        for token in ("yaml.load(", "yaml.unsafe_load", "eval(", "exec(", "yaml.Loader", "pickle.load"):
            if token in text:
                bad.append(f"{path.relative_to(REPO)}: {token}")
    assert bad == []
    with pytest.raises(ConfigError):  # a YAML tag that would construct an object is refused
        p = REPO / ".pytest-unsafe.yaml"
        try:
            p.write_text("synthetic: !!python/object/apply:os.system ['echo unsafe']\n")
            load_config(p)
        except Exception as exc:  # yaml.constructor.ConstructorError
            raise ConfigError(str(exc)) from exc
        finally:
            p.unlink(missing_ok=True)
    _observed("config_object_tag", "ConfigError")


# --- workflow level ----------------------------------------------------------------------------------
@pytest.mark.workflow
def test_skip_mode_run_counts_every_fault_and_still_finishes(tmp_path, synthetic_day):
    """One real-data run in skip mode over a month of good data and a month whose only file is
    broken, a broken TCCON file, a TCCON file for a site outside the table and a TCCON file with
    no overlap: the run finishes, the empty month is accounted for, and summary.json counts each
    skip under its reason."""
    mop, tc = tmp_path / "data/mopitt", tmp_path / "data/tccon"
    mop.mkdir(parents=True)
    tc.mkdir(parents=True)
    shutil.copy(synthetic_day["path"], mop)
    (mop / "MOP02J-20090816-L2V19.9.3.he5").write_bytes(b"")  # the only file of 2009-08
    good_tccon = _tccon_file(tc, synthetic_day)
    others = [s for s in ("ci", "oc", "pa", "lh") if not good_tccon.name.startswith(s)]
    shutil.copy(good_tccon, tc / "zz20090716_20090716.public.nc")
    shutil.copy(good_tccon, tc / f"{others[0]}20090716_20090716.public.nc")
    _drop_var(tc / f"{others[0]}20090716_20090716.public.nc", "prior_co")
    shutil.copy(good_tccon, tc / f"{others[1]}20200101_20200102.public.nc")
    with netCDF4.Dataset(tc / f"{others[1]}20200101_20200102.public.nc", "a") as nc:
        nc["time"][:] = nc["time"][:] + 10 * 365.25 * 86400.0
    cfg = {"synthetic": {"enabled": False}, "on_bad_input": "skip", "input": {"tccon": str(tc / "*.public.nc")},
           "instruments": {"mopitt": {**TINY["instruments"]["mopitt"], "input": str(mop / "MOP02J-*.he5")}}}
    snakemake(tmp_path / "run", config=cfg, timeout=1200)
    summary = yaml.safe_load((tmp_path / "run/results/summary.json").read_text())
    assert summary["skipped"]["by_reason"] == {"missing_variable": 1, "no_overlap": 1, "unknown_site": 1,
                                               "unreadable": 1}
    per_month = summary["soundings"]["per_month"]
    assert per_month["2009-08"]["n_soundings"] == 0
    n = synthetic_day["fields"]["Latitude"].size
    assert summary["soundings"]["total"] == n == summary["export"]["soundings"]["exported"]
    for m, c in summary["conservation"]["per_month"].items():
        assert c["ingested"] == c["kept"] + c["flagged"] == c["exported"], m


@pytest.mark.workflow
def test_unwritable_output_directory_stops_the_run_naming_it(tmp_path):
    (tmp_path / "results").write_text("not a directory")
    r = snakemake(tmp_path, "-n", config=TINY, check=False)
    assert r.returncode != 0
    assert f"output directory {tmp_path / 'results'}: cannot write" in r.stdout + r.stderr


def _in_process_cases():
    """Every in-process case of this module with its parameters: the test functions (not the
    workflow-level ones, which repeat cases end to end) and their parametrizations."""
    import inspect

    out = []
    for name, fn in sorted(globals().items()):
        if not name.startswith("test_") or not callable(fn) or name == "test_fault_catalogue_has_at_least_twenty_kinds":
            continue
        marks = getattr(fn, "pytestmark", [])
        if any(m.name == "workflow" for m in marks):
            continue
        grids = [{}]
        for m in marks:
            if m.name == "parametrize":
                argname, values = m.args[0], m.args[1]
                grids = [{**g, argname: v} for g in grids for v in values]
        out += [(name, fn, inspect.signature(fn).parameters, g) for g in grids]
    return out


def test_fault_catalogue_has_at_least_twenty_kinds(tmp_path_factory, synthetic_day):
    """Runs every in-process case of the catalogue and counts the kinds of bad input whose
    checks all held (each case records its kind and what satcol did only after its last
    check). At least 20 kinds, every case recorded, and each MOPITT and TCCON file fault with
    the reason satcol reported for it.

    Mutation checked (fails here; the test before issue 19, which counted names written in
    the test, passed it): satcol.instruments.mopitt.reader accepting an out-of-range pixel number (SwathIndex
    5): the pixel case's check fails, its kind is not recorded, and this test names the case
    ("pixel_outside_1_4 ... DID NOT RAISE BadInputError"). A case emptied of its checks fails
    too (it records nothing)."""
    OBSERVED.clear()
    cases = _in_process_cases()
    failed = []
    for i, (name, fn, params, grid) in enumerate(cases):
        args = {**grid}
        if "tmp_path" in params:
            args["tmp_path"] = tmp_path_factory.mktemp(f"case{i}")
        if "synthetic_day" in params:
            args["synthetic_day"] = synthetic_day
        n_before = len(OBSERVED)
        try:
            fn(**args)
        except (Exception, pytest.fail.Exception) as exc:  # a case whose checks do not hold is not counted
            failed.append(f"{name}{grid}: {type(exc).__name__}: {exc}"[:300])
            continue
        if len(OBSERVED) == n_before:
            failed.append(f"{name}{grid}: ran without recording what it observed")
    kinds = dict(OBSERVED)
    assert failed == [], "\n".join(failed)
    assert len(kinds) >= 20, sorted(kinds)
    for fault, (_, reason, _) in {**MOPITT_FAULTS, **TCCON_FAULTS}.items():
        assert kinds.get(fault) == reason, (fault, kinds.get(fault), reason)
