"""The synthetic GGG2020 TCCON file has the real public file's structure, variable by variable,
for everything satcol reads (satcol.validation.tccon.GGG2020_PUBLIC_USED): dimensions, dtype, units,
fill value, WMO-scale attribute, compression; and it reads through the same reader."""

import netCDF4
import numpy as np
import pytest
from helpers import REAL_TCCON, realdata

import satcol
from satcol.core.config import load_config
from satcol.synthetic import tccon
from satcol.validation import tccon as tccon_io


@pytest.fixture(scope="module")
def synthetic_file(tmp_path_factory):
    cfg = load_config(overrides={"synthetic": {"start": "2009-07-01", "end": "2009-07-31", "days_per_month": 2}})
    assert cfg["synthetic"]["tccon_format"] == "ggg2020"  # the default
    sites = tccon.read_site_table(cfg["tccon_sites"])
    site = sites[sites["id"] == "bi"].iloc[0]
    sim = tccon.simulate_site(site, cfg["synthetic"])
    path = tmp_path_factory.mktemp("syn") / "bi20090701_20090731.public.nc"
    return tccon.write(path, sim, site), sim


def _describe(nc, name):
    v = nc.variables[name]
    fill = getattr(v, "_FillValue", None)
    return {"dims": v.dimensions, "dtype": str(v.dtype), "units": getattr(v, "units", None),
            "fill_is_nan": bool(fill is not None and np.isnan(fill)),
            "wmo_or_analogous_scale": getattr(v, "wmo_or_analogous_scale", None),
            "zlib": v.filters()["zlib"]}


@pytest.mark.parametrize("name", tccon_io.GGG2020_PUBLIC_USED)
def test_synthetic_ggg2020_variable_matches_the_real_file(synthetic_file, name):
    real = realdata(REAL_TCCON)
    with netCDF4.Dataset(real) as r, netCDF4.Dataset(synthetic_file[0]) as s:
        assert name in r.variables, f"{name} is not in the real file: the list of used variables is wrong"
        assert name in s.variables, f"{name} is missing from the synthetic file"
        want, got = _describe(r, name), _describe(s, name)
        if name == "xco2_error_x2019":  # no scale attribute on errors in the real file either
            want.pop("wmo_or_analogous_scale"), got.pop("wmo_or_analogous_scale")
        assert got == want


def test_synthetic_ggg2020_dimensions_grid_and_globals(synthetic_file):
    real = realdata(REAL_TCCON)
    with netCDF4.Dataset(real) as r, netCDF4.Dataset(synthetic_file[0]) as s:
        for d in ("prior_altitude", "ak_altitude"):
            assert len(s.dimensions[d]) == len(r.dimensions[d]) == 51
        np.testing.assert_allclose(s["prior_altitude"][:], r["prior_altitude"][:], atol=1e-4)
        assert s.file_format_version.startswith("2020") and r.file_format_version.startswith("2020")
        assert "flag" not in s.variables and "flag" not in r.variables  # public files: flag == 0 only


def test_synthetic_ggg2020_reads_with_operator_and_scale_convention(synthetic_file):
    """The reader's canonical view of the synthetic file: prior_x = operator . wet prior (the
    identity of the real files), and XCO on the truth scale (no WMO factor): the retrieval differs
    from the truth column only by the AK smoothing of a 3 % high prior and 1 ppb noise. With
    tccon_wmo_factor applied (the GGG2014 convention) the ratio would be 0.937 / 1.067."""
    path, sim = synthetic_file
    ds = satcol.open_tccon(path)
    assert ds.sizes["spectrum"] == sim["time"].size and ds["xco"].attrs["wmo_or_analogous_scale"] == "Not used"
    h = ds["integration_operator"].values
    for g in ("co", "co2", "ch4"):
        np.testing.assert_allclose(np.sum(h * ds[f"prior_{g}"].values, 1), ds[f"prior_x{g}"], rtol=1e-5)
    ratio = float(np.mean(ds["xco"].values / sim["xco_true_ppb"]))
    assert abs(ratio - 1.0) < 0.01


@pytest.mark.parametrize(("drop", "field"), [("prior_co", "prior_co"), ("ak_xco", "ak_xco"),
                                             ("integration_operator", "integration_operator"),
                                             ("prior_h2o", "prior_h2o"), ("xco_error", "xco_error")])
def test_synthetic_ggg2020_missing_variable_stops_ingest_naming_it(synthetic_file, tmp_path, drop, field):
    from satcol.core.errors import BadInputError
    from satcol.pipeline import ingest

    path = tmp_path / synthetic_file[0].name
    path.write_bytes(synthetic_file[0].read_bytes())
    with netCDF4.Dataset(path, "a") as nc:
        nc.renameVariable(drop, drop + "_gone")
    with pytest.raises(BadInputError) as e:
        ingest.ingest_tccon_site("bi", [path], tmp_path / "bi.nc", {"on_bad_input": "fail"})
    assert e.value.dataset == field and path.name in str(e.value)
    report = ingest.ingest_tccon_site("bi", [path], tmp_path / "bi.nc", {"on_bad_input": "skip"})
    assert report["n_measurements"] == 0 and report["skipped"][0]["dataset"] == field


def test_aks_on_the_prior_grid_use_each_spectrums_prior_pressure(synthetic_file, tmp_path):
    """The newer writer's layout: ak_x{gas}(time, prior_altitude). The pressure axis of each
    spectrum's AK is then its own prior_pressure (a reader taking ak_pressure would be off by
    the difference between the median profile and the spectrum's)."""
    from satcol.validation import tccon as tio

    path = tmp_path / synthetic_file[0].name
    path.write_bytes(synthetic_file[0].read_bytes())
    with netCDF4.Dataset(path, "a") as nc:
        for g in ("co", "co2", "ch4"):
            old = nc[f"ak_x{g}"][:]
            nc.renameVariable(f"ak_x{g}", f"ak_x{g}_table_gone")
            v = nc.createVariable(f"ak_x{g}", "f4", ("time", "prior_altitude"), fill_value=np.float32(np.nan))
            v.units = "1"
            v[:] = old
    p = tio.read(path)
    np.testing.assert_allclose(p["ak_pressure"], p["prior_pressure"])
    ds = satcol.open_tccon(path)
    assert ds["ak_xco"].dims == ("spectrum", "prior_altitude")
    from satcol.pipeline import ingest

    ingest.ingest_tccon_site("bi", [path], tmp_path / "bi.nc", {})
    import xarray as xr

    with xr.open_dataset(tmp_path / "bi.nc", engine="h5netcdf") as st:
        np.testing.assert_allclose(st["ak_pressure"], np.median(p["prior_pressure"], axis=0), rtol=1e-6)


def test_ggg2020_1_layout_without_plain_xco2(synthetic_file, tmp_path):
    """2020.1.A files have xco2_x2007 and xco2_x2019 but no xco2: the reader takes X2007 and says so."""
    path = tmp_path / synthetic_file[0].name
    path.write_bytes(synthetic_file[0].read_bytes())
    with netCDF4.Dataset(path, "a") as nc:
        nc.file_format_version = "2020.1.A"
        nc.renameVariable("xco2", "xco2_x2007")
        nc.renameVariable("xco2_error", "xco2_error_x2007")
        nc["xco2_x2007"].wmo_or_analogous_scale = "WMO CO2 X2007"
        expected = np.asarray(nc["xco2_x2007"][:], dtype=np.float64)
    ds = satcol.open_tccon(path)
    np.testing.assert_allclose(ds["xco2"], expected)
    assert ds["xco2"].attrs["source_variable"] == "xco2_x2007"
    assert ds["xco2"].attrs["wmo_or_analogous_scale"] == "WMO CO2 X2007"
    np.testing.assert_allclose(ds["xco2_x2019"], expected + 0.18, atol=1e-4)
