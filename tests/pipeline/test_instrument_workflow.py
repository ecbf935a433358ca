"""A second instrument through the workflow (issue 20, acceptance 2): the toy CH4 instrument of
tests/instruments/test_instruments.py (its own HDF5 files, reader, species, QC bits, VMR state space, no
footprints) is registered by a plug-in module named in the config key ``plugins`` and run
ingest -> prefilter -> colocation -> export by Snakemake, with no MOPITT job and no MOPITT code.

The expected values come from what the test writes (the injected truth) and from the TCCON
store the workflow built for the site: the exported XCH4 are the values written; the QC bits
are those of the thresholds in the config; the column averaging kernel of a kernel 0.7 I is
0.7 on every level (a_j = sum_i h_i A_ij / h_j); method 0 of the colocated day is the
1/err^2-weighted mean of the kept soundings in the site box against the 1/err^2-weighted mean of
the site's XCH4 records within 30 minutes of the overpass. Checked to fail (both at once, one
run): with the TCCON store read for CO instead of the instrument's species (method 0's x off by
1795 ppb) and with the prefilter hook given its defaults instead of the config's section (the
high_aot bits of 7 of the 60 soundings differ).
"""

from __future__ import annotations

import datetime as dt
import json

import h5py
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from helpers import REPO, TINY, snakemake
from test_instruments import TOY_LEVELS, toy_day, write_toy
from test_rerun import planned_jobs

from satcol.core.config import deep_update
from satcol.validation import colocation

PLUGIN = '''"""The test's plug-in: registers the toy CH4 instrument of tests/instruments/test_instruments.py."""
from satcol import instruments
from test_instruments import make_toy

instruments.register(make_toy(), replace=True)
'''
DAY = dt.date(2009, 7, 16)  # the tiny run's day: the synthetic TCCON files cover it
SITE = "pa"
SCREEN = {"aot_max": 0.4, "albedo_min": 0.1}


def toy_config(wd, screen=SCREEN):
    return deep_update(TINY, {"plugins": ["satcol_toy_plugin"],
                              "instruments": {"toyfts": {"input": str(wd / "toy" / "TOYFTS_CH4_*.h5"),
                                                         "prefilter": {"toy_screen": dict(screen)}}}})


def targets():
    return ["results/toyfts/export/2009-07/toyfts_xch4_soundings_2009-07.nc",
            f"results/toyfts/colocation/sites/{SITE}_days.csv",
            "results/toyfts/colocation/candidates/raw/2009-07.nc"]


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    wd = tmp_path_factory.mktemp("toy_workflow")
    (wd / "satcol_toy_plugin.py").write_text(PLUGIN)
    env = {"PYTHONPATH": f"{REPO / 'src'}:{REPO / 'tests'}:{REPO / 'tests' / 'instruments'}:{wd}"}
    # The site's TCCON store first (a MOPITT-only config: no toy file exists yet), for the times
    # the toy's overpass is put at.
    snakemake(wd, f"results/store/tccon/{SITE}.nc", config=TINY, env=env)
    with xr.open_dataset(wd / f"results/store/tccon/{SITE}.nc", engine="h5netcdf") as ds:
        t_tccon = ds["time"].values.astype("datetime64[us]").astype(np.int64) / 1e6
    t_op = t_tccon[t_tccon.size // 2]
    site = colocation.load_sites(REPO / "config/tccon_sites.tsv", [SITE]).iloc[0]

    rng = np.random.default_rng(7)
    d = toy_day(rng, DAY, 60)
    n_box = 12
    d["lat"][:n_box] = rng.uniform(site.box_lat_min + 0.1, site.box_lat_max - 0.1, n_box)
    d["lon"][:n_box] = rng.uniform(site.box_lon_min + 0.1, site.box_lon_max - 0.1, n_box)
    d["lat"][n_box:] = rng.uniform(-60, -50, d["lat"].size - n_box)  # far from every site box
    d["lon"][n_box:] = rng.uniform(0, 10, d["lat"].size - n_box)
    d["time"][:n_box] = t_op + rng.uniform(-60, 60, n_box)
    d["surface_flag"][:n_box] = b"L"
    d["aot"][:n_box] = 0.1
    d["aot"][:3] = 0.5  # three in the box flagged high_aot
    d["albedo"][:n_box] = 0.3
    order = np.argsort(d["time"], kind="stable")
    d = {k: v[order] for k, v in d.items()}
    (wd / "toy").mkdir()
    write_toy(wd / "toy" / f"TOYFTS_CH4_{DAY:%Y%m%d}_v1.h5", d)

    cfg = toy_config(wd)
    r = snakemake(wd, *targets(), config=cfg, env=env, quiet=False)
    return {"wd": wd, "env": env, "cfg": cfg, "day": d, "t_tccon": t_tccon, "site": site, "log": r.stdout + r.stderr}


@pytest.mark.workflow
def test_toy_instrument_runs_without_mopitt(toy_run):
    wd = toy_run["wd"]
    assert not (wd / "results/mopitt").exists() and not (wd / "results/synthetic/mopitt").exists()
    jobs = {rule for rule, _ in planned_jobs(toy_run["log"])}
    assert {"ingest", "prefilter_generic", "correct_none", "colocation_candidates", "colocate_site",
            "export_generic"} <= jobs
    assert not jobs & {"prefilter", "sra", "correct", "export_month", "synthesize_mopitt_day"}
    report = json.loads((wd / "results/toyfts/store/2009-07/report.json").read_text())
    assert report["n_soundings"] == 60


@pytest.mark.workflow
def test_toy_export_carries_its_species_values_and_bits(toy_run):
    wd, d = toy_run["wd"], toy_run["day"]
    with xr.open_dataset(wd / "results/toyfts/export/2009-07/toyfts_xch4_soundings_2009-07.nc",
                         engine="h5netcdf") as ds:
        np.testing.assert_array_equal(ds["xch4"].values, d["xch4"])
        assert ds["xch4"].attrs["standard_name"] == "mole_fraction_of_methane_in_air"
        assert ds["xch4"].attrs["units"] == "1e-9"
        np.testing.assert_array_equal(ds["xch4_error"].values, d["xch4_err"])
        np.testing.assert_array_equal(ds["xch4_prior"].values, d["xch4_prior"])
        np.testing.assert_array_equal(ds["prior_ch4_vmr"].values, d["prior"])
        # A = 0.7 I: the column AK is 0.7 on every level, whatever the pressure weights
        np.testing.assert_allclose(ds["xch4_column_averaging_kernel"].values, 0.7, rtol=1e-6)
        assert ds.sizes["level"] == TOY_LEVELS
        meanings = ds["qc"].attrs["flag_meanings"].split()
        masks = ds["qc"].attrs["flag_masks"]
        qc = ds["qc"].values
        assert ds.attrs["satcol_instrument"] == "toyfts" and "satcol_git_commit" in ds.attrs
    assert meanings == ["input_fill", "high_aot", "low_albedo", "cirrus"]
    bit = dict(zip(meanings, masks, strict=True))
    np.testing.assert_array_equal((qc & bit["high_aot"]) != 0, d["aot"] > np.float32(SCREEN["aot_max"]))
    np.testing.assert_array_equal((qc & bit["low_albedo"]) != 0, d["albedo"] < np.float32(SCREEN["albedo_min"]))


@pytest.mark.workflow
def test_toy_colocation_method_0_is_the_weighted_day_means(toy_run):
    wd, d, site = toy_run["wd"], toy_run["day"], toy_run["site"]
    days = pd.read_csv(wd / f"results/toyfts/colocation/sites/{SITE}_days.csv")
    in_box = ((d["lat"] >= site.box_lat_min) & (d["lat"] <= site.box_lat_max)
              & (d["lon"] >= site.box_lon_min) & (d["lon"] <= site.box_lon_max))
    kept = in_box & (d["aot"] <= np.float32(SCREEN["aot_max"])) & (d["albedo"] >= np.float32(SCREEN["albedo_min"]))
    assert kept.sum() == 9 and len(days) == 1 and days["n_soundings"].iloc[0] == 9
    w = 1.0 / d["xch4_err"][kept].astype(np.float64) ** 2
    y = np.sum(w * d["xch4"][kept]) / np.sum(w)
    t = np.sort(d["time"][kept])
    t_op = t[(t.size - 1) // 2]  # the overpass time: the lower median sounding time
    with xr.open_dataset(wd / f"results/store/tccon/{SITE}.nc", engine="h5netcdf") as ds:
        tt = ds["time"].values.astype("datetime64[us]").astype(np.int64) / 1e6
        win = (tt >= t_op - 1800) & (tt <= t_op + 1800)
        wt = 1.0 / ds["xch4_error"].values[win] ** 2
        x = np.sum(wt * ds["xch4"].values[win]) / np.sum(wt)
    assert win.sum() >= 2
    np.testing.assert_allclose(days["method_0_standard_y"].iloc[0], y, rtol=1e-6)
    np.testing.assert_allclose(days["method_0_standard_x"].iloc[0], x, rtol=1e-9)
    assert np.isfinite(days[["method_II_standard_y", "method_II_standard_x", "method_III_standard_y",
                             "method_III_standard_x"]].to_numpy()).all()
    # the raw stage: the same kept soundings (correction "none"), their values as retrieved
    with h5py.File(wd / "results/toyfts/colocation/candidates/raw/2009-07.nc", "r") as c:
        np.testing.assert_array_equal(np.sort(c["xgas"][:]), np.sort(d["xch4"][kept]))
        np.testing.assert_array_equal(c["pressure"][:, 0], c["psurf"][:])


@pytest.mark.workflow
def test_toy_section_change_reruns_only_toy_jobs(toy_run):
    """A change in instruments.toyfts plans the toy's jobs that read it and what follows, and no
    other job (the params trigger of cfg("instruments", wildcards.instrument, ...))."""
    wd = toy_run["wd"]
    r = snakemake(wd, "-n", *targets(), "results/store/tccon/pa.nc", config=toy_config(wd, {**SCREEN, "aot_max": 0.45}),
                  env=toy_run["env"], quiet=False)
    planned = set(planned_jobs(r.stdout + r.stderr))
    assert {rule for rule, _ in planned} == {"prefilter_generic", "correct_none", "colocation_candidates",
                                             "colocate_site", "export_generic"}
    assert all("instrument=toyfts" in wc for _, wc in planned)
    unchanged = snakemake(wd, "-n", *targets(), config=toy_run["cfg"], env=toy_run["env"], quiet=False)
    assert planned_jobs(unchanged.stdout + unchanged.stderr) == {}
