"""The ``satcol`` command (issue 23 item 4): ``satcol inspect`` on the real samples, on truncated
copies, on a file that is not HDF, on a synthetic file and on a damaged one; the ``synthesize``
and ``obsop`` subcommands' help, errors and exit codes.

Expected numbers come from outside the code under test: the sounding and spectrum counts and the
TCCON file-format version from ../shared/realdata/README.md (2,439 soundings; 64 spectra,
2020.B, R0), the MOPITT start time from the file's own ``StartDateTime`` attribute, the
synthetic count from the injected truth table. Checked against wrong implementations: counting
the nTime dimension scale of the MOPITT file instead of Latitude still gives 2439 but reading the
superblock's full-granule TimeCount (243835) fails the count test; dropping the truncation
check turns the truncated-file tests' message into a generic open error and fails them; a
sniff that accepts any file as netCDF fails the non-HDF test.
"""

import json
import shutil

import h5py
import numpy as np
import pytest
from helpers import REAL_MOPITT, REAL_TCCON, realdata

from satcol.cli import main
from satcol.cli.inspect_file import inspect_file
from satcol.instruments.mopitt import reader as mopitt


def _inspect_json(capsys, *paths):
    rc = main(["inspect", "--json", *map(str, paths)])
    out = capsys.readouterr()
    return rc, json.loads(out.out), out.err


def test_inspect_real_mopitt(capsys):
    path = realdata(REAL_MOPITT)
    rc, (r,), _ = _inspect_json(capsys, path)
    assert rc == 0
    assert r["kind"] == "mopitt" and r["ok"] and r["reader_ok"]
    assert r["version"] == "V9 (L2V19.9.3.beta)"
    assert r["n_soundings"] == 2439  # every 100th of 243,835 (realdata README)
    with h5py.File(path, "r") as f:
        start = f["HDFEOS/ADDITIONAL/FILE_ATTRIBUTES"].attrs["StartDateTime"].decode()
    assert r["time_start"] == start[:19] + "Z"  # 2021-09-29T00:00:08(.245)Z, to the second
    assert r["time_end"].startswith("2021-09-29T23:")
    assert r["reader"].startswith("satcol.instruments.mopitt.reader.read_mop02")
    assert r["missing_fields"] == [] and r["bad_fields"] == [] and r["scale_problems"] == []


def test_inspect_real_tccon_text(capsys):
    path = realdata(REAL_TCCON)
    rc = main(["inspect", str(path)])
    text = capsys.readouterr().out
    assert rc == 0
    assert "kind:        TCCON (TCCON GGG2020)" in text
    assert "file format 2020.B" in text and "revision R0" in text
    assert "spectra:     64" in text
    assert "time range:  2023-04-02T" in text
    assert "OK, satcol reads this file" in text
    r = inspect_file(path)
    assert r["site"] == "hw" and r["layout"] == "public" and r["ok"]


@pytest.mark.parametrize("name", [REAL_MOPITT, REAL_TCCON])
def test_inspect_truncated_copy_names_the_problem(capsys, tmp_path, name):
    src = realdata(name)
    data = src.read_bytes()
    cut = tmp_path / name
    cut.write_bytes(data[: len(data) // 2])
    rc, (r,), err = _inspect_json(capsys, cut)
    assert rc == 1
    assert not r["ok"]
    assert any(p.startswith(f"truncated file: {len(data) // 2} bytes of the {len(data)}") for p in r["problems"]), r
    assert str(cut) in err
    assert r["kind"] == ("mopitt" if name == REAL_MOPITT else "tccon")  # from the name, still said
    if name == REAL_MOPITT:
        assert r["version"] == "V9 (L2V19.9.3.beta)"


def test_inspect_non_hdf_file(capsys, tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("CO is carbon monoxide\n")
    empty = tmp_path / "MOP02J-20090716-L2V19.9.3.he5"
    empty.write_bytes(b"")
    rc, (r, e), _ = _inspect_json(capsys, p, empty)
    assert rc == 1
    assert r["kind"] == "unknown" and r["reader"] is None and r["container"] == "other"
    assert r["problems"] == ["not an HDF5 or netCDF file (no HDF5 or netCDF signature at its start)"]
    assert e["kind"] == "mopitt" and e["problems"][0] == "empty file" and not e["ok"]
    rc = main(["inspect", str(tmp_path / "absent.he5")])
    assert rc == 1 and "no such file" in capsys.readouterr().out


def test_inspect_unknown_hdf5(capsys, tmp_path):
    p = tmp_path / "other.h5"
    with h5py.File(p, "w") as f:
        f["x"] = np.arange(3)
    rc, (r,), _ = _inspect_json(capsys, p)
    assert rc == 1 and r["kind"] == "unknown" and r["container"] == "hdf5"
    assert "no satcol reader applies" in r["problems"][0]


def test_inspect_synthetic_file(capsys, synthetic_day):
    rc, (r,), _ = _inspect_json(capsys, synthetic_day["path"])
    assert rc == 0 and r["ok"]
    assert r["kind"] == "mopitt" and r["version"] == "V9 (L2V19.9.3)"
    assert r["n_soundings"] == len(synthetic_day["truth"])
    day = synthetic_day["day"].isoformat()
    assert r["time_start"].startswith(day) and r["time_end"].startswith(day)


def test_inspect_damaged_file_lists_every_problem(capsys, tmp_path, synthetic_day):
    """A missing required dataset and a field in the wrong unit are both named (the reader alone
    stops at the first), and the reader's own verdict is reported."""
    p = tmp_path / synthetic_day["path"].name
    shutil.copy(synthetic_day["path"], p)
    with h5py.File(p, "a") as f:
        del f[f"{mopitt.DATA}/DegreesofFreedomforSignal"]
        del f[f"{mopitt.DATA}/SignalChi2"]
        ps = f[f"{mopitt.DATA}/SurfacePressure"]
        ps[...] = ps[()] * 100.0  # Pa instead of hPa
        ta = f[f"{mopitt.DATA}/MODISCloudDiagnostics"][()]
        del f[f"{mopitt.DATA}/MODISCloudDiagnostics"]
        f[f"{mopitt.DATA}/MODISCloudDiagnostics"] = ta[:, :10]  # the V7/V8 shape in a V9 file
    rc = main(["inspect", str(p)])
    text = capsys.readouterr().out
    assert rc == 1
    assert f"MISSING:     {mopitt.DATA}/DegreesofFreedomforSignal" in text
    assert f"MISSING:     {mopitt.DATA}/SignalChi2" in text
    assert f"BAD SHAPE:   {mopitt.DATA}/MODISCloudDiagnostics: shape" in text
    assert f"SCALE:       {mopitt.DATA}/SurfacePressure: median" in text
    assert "READER:      fails:" in text and "(reason: missing_dataset)" in text
    assert "NOT USABLE" in text


def test_top_level_help_usage_and_unknown_command(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: satcol")
    for cmd in ("inspect", "synthesize", "obsop"):
        assert cmd in out
    assert "exit codes" in out
    assert main([]) == 2
    assert main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


@pytest.mark.parametrize("cmd", ["inspect", "synthesize", "obsop"])
def test_subcommand_help(capsys, cmd):
    assert main([cmd, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: satcol {cmd}")
    assert "exit codes" in out


def test_synthesize_and_obsop_errors(capsys, tmp_path):
    rc = main(["synthesize", str(tmp_path / "out"), "--start", "2009-07-16", "--end", "2009-07-01"])
    assert rc == 2 and "satcol synthesize: " in (err := capsys.readouterr().err) and "synthetic.end" in err
    assert main(["synthesize"]) == 2  # OUTDIR missing: argparse usage error
    assert "the following arguments are required: outdir" in capsys.readouterr().err
    rc = main(["obsop", str(tmp_path / "obs.nc"), str(tmp_path / "model.nc"), "-o", str(tmp_path / "o.nc")])
    assert rc == 2 and f"observations file not found: {tmp_path / 'obs.nc'}" in capsys.readouterr().err
    assert main(["inspect"]) == 2


@pytest.mark.parametrize("fmt", ["ggg2020", "ggg2014"])
def test_inspect_synthetic_tccon(capsys, tmp_path, fmt):
    """Both TCCON layouts: the version names the layout, the spectrum count and time range are
    the simulated ones, and a GGG2014 file lacking a required variable is named."""
    from satcol.core.config import load_config
    from satcol.synthetic import tccon

    cfg = load_config(overrides={"synthetic": {"start": "2009-07-01", "end": "2009-07-31", "days_per_month": 1,
                                               "tccon_format": fmt}})
    sites = tccon.read_site_table(cfg["tccon_sites"])
    site = sites[sites["id"] == "pa"].iloc[0]
    sim = tccon.simulate_site(site, cfg["synthetic"])
    path = tccon.write(tmp_path / "pa20090701_20090731.public.nc", sim, site)
    rc, (r,), _ = _inspect_json(capsys, path)
    assert rc == 0 and r["ok"], r
    assert r["version"].startswith(fmt.upper()) and r["site"] == "pa"
    t = np.asarray(sim["time"], dtype=np.float64)
    assert r["n_soundings"] == t.size
    assert r["time_start"].startswith("2009-07-") and r["time_end"].startswith("2009-07-")
    if fmt == "ggg2014":
        import netCDF4

        bad = tmp_path / "pa20090801_20090831.public.nc"
        shutil.copy(path, bad)
        with netCDF4.Dataset(bad, "a") as nc:
            nc.renameVariable("asza_deg", "solar_zenith")
        rc, (r,), _ = _inspect_json(capsys, bad)
        assert rc == 1 and r["missing_fields"] == ["asza_deg"]
        assert r["reader_error"]["dataset"] == "asza_deg"


@pytest.fixture(scope="module")
def gosat_files(tmp_path_factory):
    """One synthetic NIES day of both species (V03.05) and its truth table."""
    import datetime as dt

    import pandas as pd

    from satcol.synthetic import gosat as sg

    out = tmp_path_factory.mktemp("gosat_inspect")
    day = dt.date(2016, 5, 2)
    paths = sg.write_days(out, [day], {}, None, version="03.05")
    truth = pd.read_parquet(next(out.rglob("GOSAT-20160502-*truth.parquet")))
    return {"paths": {("C01S" if "C01S" in p.name else "C02S"): p for p in paths if p.suffix == ".h5"},
            "truth": truth, "day": day}


@pytest.mark.parametrize("code,species,var", [("C01S", "CO2", "xco2"), ("C02S", "CH4", "xch4")])
def test_inspect_synthetic_gosat(capsys, gosat_files, code, species, var):
    """A NIES L2 file is named as GOSAT with its product and version, its sounding count is the
    number of rows the writer's truth table has for that day (written independently of the
    reader), and the reader's verdict is OK."""
    p = gosat_files["paths"][code]
    rc, (r,), _ = _inspect_json(capsys, p)
    assert rc == 0 and r["ok"], r
    assert r["kind"] == "gosat" and r["instrument"] == f"GOSAT {species} ({code})" and r["version"] == "V03.05"
    assert r["n_soundings"] == len(gosat_files["truth"]) > 0
    day = gosat_files["day"].isoformat()
    assert r["time_start"].startswith(day) and r["time_end"].startswith(day)


def test_inspect_damaged_gosat_names_each_dataset(capsys, tmp_path, gosat_files):
    """Two missing datasets and a column in mole fraction instead of ppmv are each named; a
    truncated copy is named as truncated (checked: without the GOSAT branch the file is 'unknown'
    with 'no satcol reader applies', and these assertions fail)."""
    src = gosat_files["paths"]["C01S"]
    p = tmp_path / src.name
    shutil.copy(src, p)
    with h5py.File(p, "a") as f:
        names = []
        f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
        gone = [n for n in names if n.endswith("/aerosolOpticalThickness") or n.endswith("surfacePressure")][:2]
        for n in gone:
            del f[n]
    rc, (r,), _ = _inspect_json(capsys, p)
    assert rc == 1 and r["kind"] == "gosat" and not r["ok"]
    assert set(gone) <= set(r["missing_fields"]) and len(gone) == 2
    # a truncated copy
    t = tmp_path / ("t_" + src.name)
    data = src.read_bytes()
    t.write_bytes(data[: len(data) // 2])
    rc, (r,), _ = _inspect_json(capsys, t)
    assert rc == 1 and any("truncated file" in q for q in r["problems"])
