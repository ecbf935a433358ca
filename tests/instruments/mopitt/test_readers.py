"""Readers against files written independently of the synthetic generator (plain h5py/netCDF4,
names and layout from docs/formats.md), so a shared misunderstanding cannot hide."""

import datetime as dt

import h5py
import netCDF4
import numpy as np
import pytest

from satcol.core.errors import BadInputError
from satcol.instruments.mopitt import reader as mopitt
from satcol.validation import tccon

FILL = -9999.0
N = 7


def write_independent_mop02(path, n=N, seed=1, product=9):
    """A minimal MOP02J V9 file built from the layout of the real V9 sample
    (docs/formats-mopitt.md) with plain h5py: 12 MODIS diagnostics, (value, error) a priori
    surface pairs, and the 10-level fields packed (surface in the slot of the highest fixed level
    at or below it)."""
    rng = np.random.default_rng(seed)
    day0 = dt.datetime(2012, 3, 4, tzinfo=dt.timezone.utc).timestamp()
    tai93 = day0 - dt.datetime(1993, 1, 1, tzinfo=dt.timezone.utc).timestamp() + 9  # 9 leap s by 2012-03
    psurf = np.array([1010.0, 950.0, 850.0, 990.0, 700.0, 1005.0, 880.0][:n], dtype=np.float32)
    prof = rng.uniform(60, 140, (n, 9, 2)).astype(np.float32)
    prior = rng.uniform(60, 140, (n, 9, 2)).astype(np.float32)
    ak = rng.uniform(-0.1, 0.5, (n, 10, 10)).astype(np.float32)
    grid = np.array([900, 800, 700, 600, 500, 400, 300, 200, 100], dtype=np.float32)
    for i in range(n):  # fixed levels at or below the surface are fill
        below = grid >= psurf[i]
        prof[i, below] = FILL
        prior[i, below] = FILL
        k = int(below.sum())  # the AK's first k rows and columns are fill (packed layout)
        ak[i, :k, :] = FILL
        ak[i, :, :k] = FILL
    l1 = rng.uniform(0.5, 2.0, (n, 12, 2)).astype(np.float32)
    l1[:, :, 1] = l1[:, :, 0] / rng.uniform(300, 3000, (n, 12))
    modis = rng.uniform(0, 1, (n, 12 if product == 9 else 10)).astype(np.float32)
    data = {
        "SwathIndex": np.stack([np.arange(n) % 4 + 1, np.arange(n) + 1, np.full(n, 7)], 1).astype(np.int32),
        "SurfaceIndex": (np.arange(n) % 3).astype(np.int32),
        "SolarZenithAngle": rng.uniform(10, 100, n).astype(np.float32),
        "SatelliteZenithAngle": rng.uniform(0, 25, n).astype(np.float32),
        "SurfacePressure": psurf,
        "PressureGrid": grid,
        "DEMAltitude": rng.uniform(0, 3000, n).astype(np.float32),
        "RetrievedCOTotalColumn": np.stack([rng.uniform(1e18, 3e18, n), rng.uniform(1e16, 1e17, n)], 1).astype(np.float32),
        "APrioriCOTotalColumn": rng.uniform(1e18, 3e18, n).astype(np.float32),
        "DryAirColumn": (psurf * 2.12e22).astype(np.float32),
        "RetrievedCOSurfaceMixingRatio": rng.uniform(60, 200, (n, 2)).astype(np.float32),
        "RetrievedCOMixingRatioProfile": prof,
        "APrioriCOSurfaceMixingRatio": rng.uniform(60, 200, (n, 2)).astype(np.float32),
        "APrioriCOMixingRatioProfile": prior,
        "RetrievalAveragingKernelMatrix": ak,
        "RetrievalErrorCovarianceMatrix": rng.uniform(0, 1e-3, (n, 10, 10)).astype(np.float32),
        "TotalColumnAveragingKernel": rng.uniform(1e17, 1e18, (n, 10)).astype(np.float32),
        "DegreesofFreedomforSignal": rng.uniform(0.5, 2, n).astype(np.float32),
        "SignalChi2": rng.uniform(0.5, 2, n).astype(np.float32),
        "RetrievalIterations": rng.integers(1, 20, n).astype(np.int32),
        "RetrievalAnomalyDiagnostic": rng.integers(0, 2, (n, 5)).astype(np.int32),
        "Level1RadiancesandErrors": l1,
        "MODISCloudDiagnostics": modis,
        "RetrievedSurfaceTemperature": rng.uniform(250, 320, (n, 2)).astype(np.float32),
        "APrioriSurfaceTemperature": (np.stack([rng.uniform(250, 320, n), np.full(n, 5.0)], 1) if product == 9
                                      else rng.uniform(250, 320, n)).astype(np.float32),
        "RetrievedSurfaceEmissivity": rng.uniform(0.9, 1.0, (n, 2)).astype(np.float32),
        "APrioriSurfaceEmissivity": (np.stack([rng.uniform(0.9, 1.0, n), np.full(n, 0.05)], 1) if product == 9
                                     else rng.uniform(0.9, 1.0, n)).astype(np.float32),
        "CloudDescription": np.full(n, 2, dtype=np.int32),
    }
    geo = {
        "Latitude": rng.uniform(-60, 60, n).astype(np.float32),
        "Longitude": rng.uniform(-180, 180, n).astype(np.float32),
        "Time": tai93 + np.sort(rng.uniform(0, 86000, n)),
        "SecondsinDay": np.zeros(n, dtype=np.float32),
    }
    with h5py.File(path, "w") as f:
        for grp, dsets in (("HDFEOS/SWATHS/MOP02/Data Fields", data), ("HDFEOS/SWATHS/MOP02/Geolocation Fields", geo)):
            g = f.require_group(grp)
            for k, v in dsets.items():
                d = g.create_dataset(k, data=v)
                d.attrs["_FillValue"] = np.array(FILL, dtype=v.dtype) if v.dtype.kind == "f" else np.int32(-9999)
    return data, geo


def test_mopitt_reader_independent_file(tmp_path):
    path = tmp_path / "MOP02J-20120304-L2V19.9.3.he5"
    data, geo = write_independent_mop02(path)
    raw = mopitt.read_mop02(path)
    table, prof = mopitt.canonical(raw)
    np.testing.assert_array_equal(table["lat"], geo["Latitude"])
    col = data["RetrievedCOTotalColumn"].astype(np.float64)
    np.testing.assert_allclose(table["xgas"], 1e9 * col[:, 0] / data["DryAirColumn"], rtol=1e-6)
    np.testing.assert_array_equal(table["pixel"], data["SwathIndex"][:, 0])
    # Fill values became NaN, and only at levels below the surface.
    assert np.isnan(prof["retrieved_vmr"][2, 1]) and np.isfinite(prof["retrieved_vmr"][2, 2])  # 850 hPa surface
    np.testing.assert_array_equal(prof["retrieved_vmr"][0, 1:], data["RetrievedCOMixingRatioProfile"][0, :, 0])
    np.testing.assert_array_equal(prof["averaging_kernel"][0], data["RetrievalAveragingKernelMatrix"][0])
    # Surface at 850 hPa (one fixed level dropped): the file's AK row/column 1 is the surface,
    # satcol's slot 0; slot 1 (900 hPa) is empty; the fixed levels keep their slots.
    ak2 = data["RetrievalAveragingKernelMatrix"][2]
    assert prof["averaging_kernel"][2, 0, 0] == ak2[1, 1] and prof["averaging_kernel"][2, 0, 5] == ak2[1, 5]
    assert np.isnan(prof["averaging_kernel"][2, 1]).all() and np.isnan(prof["averaging_kernel"][2, :, 1]).all()
    np.testing.assert_array_equal(prof["averaging_kernel"][2, 2:, 2:], ak2[2:, 2:])
    l1 = data["Level1RadiancesandErrors"]
    np.testing.assert_allclose(table["snr_5a"], l1[:, 3, 0] / l1[:, 3, 1], rtol=1e-6)
    np.testing.assert_allclose(table["snr_6a"], l1[:, 9, 0] / l1[:, 9, 1], rtol=1e-6)
    np.testing.assert_array_equal(table["modis_snow_ice"], data["MODISCloudDiagnostics"][:, 6])
    np.testing.assert_array_equal(table["emis_diff"], data["RetrievedSurfaceEmissivity"][:, 0] - data["APrioriSurfaceEmissivity"][:, 0])
    np.testing.assert_array_equal(table["tsurf_diff"], data["RetrievedSurfaceTemperature"][:, 0] - data["APrioriSurfaceTemperature"][:, 0])
    assert np.isnan(table["snr_7a"]).all()  # V9 has no 7A
    # Times: TAI93 -> UTC within the file's day.
    t = table["time"].astype("datetime64[s]").astype("datetime64[D]")
    assert (t == np.datetime64("2012-03-04")).all()
    # Optional covariance datasets are absent here: their traces are NaN, not made up.
    assert np.isnan(table["trace_meas_cov"]).all()


def test_mopitt_reader_v7_layout(tmp_path):
    """A V7 file (L2V17): 10 MODIS diagnostics with H19's snow/ice diagnostic at element 4,
    scalar a priori surface values, 7A at element 5 (docs/formats-mopitt.md, A2/A4)."""
    path = tmp_path / "MOP02J-20120304-L2V17.9.3.he5"
    data, _ = write_independent_mop02(path, product=7)
    table, _ = mopitt.canonical(mopitt.read_mop02(path))
    np.testing.assert_array_equal(table["modis_snow_ice"], data["MODISCloudDiagnostics"][:, 4])
    np.testing.assert_array_equal(table["emis_diff"], data["RetrievedSurfaceEmissivity"][:, 0] - data["APrioriSurfaceEmissivity"])
    l1 = data["Level1RadiancesandErrors"]
    np.testing.assert_allclose(table["snr_7a"], l1[:, 5, 0] / l1[:, 5, 1], rtol=1e-6)
    # The same V7 content under a V9 name is refused on the MODIS shape, naming the dataset.
    v9 = tmp_path / "MOP02J-20120304-L2V19.9.3.he5"
    path.rename(v9)
    with pytest.raises(BadInputError) as e:
        mopitt.read_mop02(v9)
    assert e.value.reason == "bad_shape" and "MODISCloudDiagnostics" in e.value.dataset


def write_independent_ggg2014(path, n=30):
    rng = np.random.default_rng(3)
    t0 = dt.datetime(2010, 6, 1, tzinfo=dt.timezone.utc).timestamp()
    with netCDF4.Dataset(path, "w") as nc:
        for d, s in (("time", n), ("prior_date", 2), ("prior_Height", 71), ("ak_P_hPa", 71), ("ak_zenith", 10)):
            nc.createDimension(d, s)

        def v(name, dims, data, **attrs):
            x = nc.createVariable(name, "f8", dims)
            x[:] = data
            for k, val in attrs.items():
                x.setncattr(k, val)

        v("time", ("time",), t0 + np.arange(n) * 600.0, units="seconds since 1970-01-01 00:00:00")
        v("xco_ppb", ("time",), rng.uniform(70, 110, n), units="ppb", aicf=1.0672)
        v("xco_ppb_error", ("time",), np.full(n, 1.5))
        v("pout_hPa", ("time",), np.full(n, 0.97), units="atm")
        v("asza_deg", ("time",), np.linspace(20, 75, n))
        v("lat_deg", ("time",), np.full(n, 45.945))
        v("long_deg", ("time",), np.full(n, -90.273))
        v("zobs_km", ("time",), np.full(n, 0.473))
        v("prior_date_index", ("time",), np.r_[np.zeros(n // 2), np.ones(n - n // 2)])
        v("prior_co", ("prior_date", "prior_Height"), rng.uniform(20, 120, (2, 71)))
        v("prior_Pressure", ("prior_date", "prior_Height"), np.tile(np.linspace(1.0, 1e-4, 71), (2, 1)), units="atm")
        v("ak_co", ("ak_zenith", "ak_P_hPa"), np.tile(np.linspace(0.6, 1.4, 71), (10, 1)) * np.linspace(1, 1.3, 10)[:, None])
        v("ak_P_hPa", ("ak_P_hPa",), np.linspace(1030, 0.1, 71), units="hPa")
        v("ak_zenith", ("ak_zenith",), np.arange(0, 100, 10.0))


def test_tccon_reader_independent_file(tmp_path):
    path = tmp_path / "pa20100601_20100601.public.nc"
    write_independent_ggg2014(path)
    out = tccon.read_ggg2014(path)
    with netCDF4.Dataset(path) as nc:
        xco = nc["xco_ppb"][:]
        np.testing.assert_array_equal(out["xco"], xco)
        np.testing.assert_allclose(out["xco_unscaled"], xco * 1.0672)
        # Pressures in atm are converted to hPa.
        np.testing.assert_allclose(out["pout"], 0.97 * 1013.25)
        # AK stored (ak_zenith, ak_P_hPa) is oriented by its dimension names; SZA 20 -> column 2.
        ak = nc["ak_co"][:]
        np.testing.assert_allclose(out["ak_obs"][0], ak[2, :])
    assert out["site"] == "pa"


def test_tccon_missing_prior_names_variable(tmp_path):
    path = tmp_path / "pa20100601_20100601.public.nc"
    write_independent_ggg2014(path)
    with netCDF4.Dataset(path, "a") as nc:
        nc.renameVariable("prior_co", "prior_co_renamed")
    with pytest.raises(Exception, match=r"prior_co.*missing"):
        tccon.read_ggg2014(path)


def test_tccon_no_overlap(tmp_path):
    path = tmp_path / "pa20100601_20100601.public.nc"
    write_independent_ggg2014(path)
    with pytest.raises(Exception, match="no_overlap"):
        tccon.read_ggg2014(path, period=(0.0, 1.0))


def test_tccon_time_in_days_since_1970_reads_as_seconds(tmp_path):
    """Public GGG2014 files as other readers see them store `time` in days since 1970: the same
    instants as seconds since 1970, once converted; other units are a clear error."""
    sec = tmp_path / "pa20100601_20100601.public.nc"
    write_independent_ggg2014(sec)
    days_dir = tmp_path / "days"
    days_dir.mkdir()
    days = days_dir / sec.name
    write_independent_ggg2014(days)
    with netCDF4.Dataset(days, "a") as nc:
        t = nc["time"]
        t[:] = t[:] / 86400.0
        t.units = "days since 1970-01-01 00:00:00"
    a, b = tccon.read_ggg2014(sec), tccon.read_ggg2014(days)
    np.testing.assert_allclose(b["time"], a["time"], rtol=0, atol=1e-4)  # float64 days: sub-ms rounding
    assert b["time"][0] == pytest.approx(dt.datetime(2010, 6, 1, tzinfo=dt.timezone.utc).timestamp(), abs=1e-3)
    with netCDF4.Dataset(days, "a") as nc:
        nc["time"].units = "hours since 2000-01-01"
    with pytest.raises(BadInputError) as e:
        tccon.read_ggg2014(days)
    assert e.value.reason == "bad_units" and e.value.dataset == "time"
