"""The real MOPITT V9 sample (../shared/realdata, README there): ingest, the prefilter's QC bits
and open_mopitt against values computed independently from the raw datasets with h5py.

Skips with the places looked at where the real file is absent."""

import shutil

import h5py
import numpy as np
import pytest
from helpers import REAL_MOPITT, realdata

import satcol
from satcol.core import store
from satcol.core.errors import BadInputError
from satcol.instruments.mopitt import prefilter
from satcol.instruments.mopitt import qc as qcmod
from satcol.instruments.mopitt import reader as mopitt
from satcol.pipeline import ingest

D = "HDFEOS/SWATHS/MOP02/Data Fields/"
N_REAL = 2439


def raw(path, name):
    with h5py.File(path, "r") as f:
        return f[D + name][()]


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    path = realdata(REAL_MOPITT)
    out = tmp_path_factory.mktemp("real")
    report = ingest.ingest_mopitt_month("2021-09", [path], out / "s.parquet", out / "p.nc", {"on_bad_input": "fail"})
    return path, report, store.read_soundings(out / "s.parquet")


def test_real_sample_ingests_every_sounding_with_xco_from_the_file(ingested):
    path, report, df = ingested
    assert report["n_soundings"] == N_REAL and len(df) == N_REAL and not report["skipped"]
    col = raw(path, "RetrievedCOTotalColumn")[:, 0].astype(np.float64)
    dry = raw(path, "DryAirColumn").astype(np.float64)
    want = (1e9 * col / dry).astype(np.float32)
    np.testing.assert_array_equal(df["xgas"].to_numpy(), want)  # float32 rounding of the same quotient
    assert 40 < np.median(want) < 150
    # Surface below 900 hPa: 472 real soundings. Their averaging kernels are packed in the file
    # (surface in the slot of the highest dropped level); read in slot order, none is input_fill.
    psurf = raw(path, "SurfacePressure")
    assert (psurf < 900).sum() == 472
    assert report["qc_counts"]["input_fill"] == 0


def test_prefilter_bits_on_the_real_sample_match_raw_counts(ingested):
    """night = SZA >= 80 deg; snow_ice = MODISCloudDiagnostics element 6 (snow/ice-free fraction,
    0-1) < 0.999; mixed = SurfaceIndex 2; each count from the raw datasets. Element 4 (the
    clear-sky percent, 0-100, the element the V7 layout would take) would flag a different set:
    checked below, so a wrong element or scale fails."""
    path, _, df = ingested
    qc = prefilter.prefilter_qc(df, sza_max=80.0, snow_ice_min=0.999)
    sza = raw(path, "SolarZenithAngle")
    modis = raw(path, "MODISCloudDiagnostics")
    surf = raw(path, "SurfaceIndex")
    e6 = np.where(modis[:, 6] == -9999.0, np.nan, modis[:, 6])
    night_raw = sza >= 80.0
    snow_raw = e6 < 0.999
    np.testing.assert_array_equal(qcmod.any_of(qc, ("night",)), night_raw)
    np.testing.assert_array_equal(qcmod.any_of(qc, ("snow_ice",)), snow_raw)
    np.testing.assert_array_equal(qcmod.any_of(qc, ("mixed_surface",)), surf == 2)
    assert night_raw.sum() == 1328 and (surf == 2).sum() == 10
    # Plausible for 29 Sept: every Antarctic land sounding is snow/ice; between 40S and 40N only
    # mountains above 4 km (Tibet, 7 soundings) are.
    lat = df["lat"].to_numpy()
    dem = raw(path, "DEMAltitude")
    assert snow_raw[(lat < -70) & (surf == 1)].all()
    low = np.abs(lat) < 40
    assert not snow_raw[low & (dem < 4000)].any() and snow_raw[low].sum() == 7
    # The V7 element (4) on this file is something else: 100 - the cloudy percent of element 1.
    np.testing.assert_allclose(modis[modis[:, 0] != -9999, 4], 100 - modis[modis[:, 0] != -9999, 1], atol=1e-3)
    assert not np.array_equal(modis[:, 4] < 0.999, snow_raw)


def test_real_v9_quantities(ingested):
    path, _, df = ingested
    l1 = raw(path, "Level1RadiancesandErrors")
    assert (l1[:, 5, 0] == -9999).all()  # the V7 layout's 7A element: no radiance in V9
    assert df["snr_7a"].isna().all()
    np.testing.assert_allclose(df["snr_5a"], l1[:, 3, 0] / l1[:, 3, 1], rtol=1e-6)
    emis = raw(path, "APrioriSurfaceEmissivity")
    np.testing.assert_allclose(df["emis_diff"], raw(path, "RetrievedSurfaceEmissivity")[:, 0] - emis[:, 0], atol=1e-7)
    ts = raw(path, "APrioriSurfaceTemperature")
    np.testing.assert_allclose(df["tsurf_diff"], raw(path, "RetrievedSurfaceTemperature")[:, 0] - ts[:, 0], atol=1e-4)


def test_open_mopitt_on_the_real_sample():
    path = realdata(REAL_MOPITT)
    ds = satcol.open_mopitt(path)
    assert ds.sizes["sounding"] == N_REAL and ds.sizes["level"] == 10
    assert ds["xgas"].attrs["units"] == "1e-9" and "comment" in ds["snr_7a"].attrs
    col = raw(path, "RetrievedCOTotalColumn")[:, 0].astype(np.float64)
    np.testing.assert_array_equal(ds["xgas"].values, (1e9 * col / raw(path, "DryAirColumn")).astype(np.float32))
    assert ds.attrs["product_version"] == 9 and ds.attrs["beta"] == 1
    # The 850-hPa-like case: a surface at 823 hPa has no 900 hPa slot, and its surface AK is slot 0.
    i = int(np.argmax(ds["psurf"].values < 900))
    assert np.isnan(ds["retrieved_vmr"].values[i, 1]) and np.isfinite(ds["averaging_kernel"].values[i, 0, 0])


def test_open_mopitt_raises_the_ingest_error(tmp_path):
    bad = tmp_path / "MOP02J-20210929-L2V19.9.3.he5"
    bad.write_bytes(b"not hdf5")
    with pytest.raises(BadInputError) as e:
        satcol.open_mopitt(bad)
    assert e.value.reason == "unreadable"


def test_layout_is_keyed_on_the_product_version(tmp_path):
    """The V9 sample renamed as a V8 file is refused on the MODIS diagnostics' shape (V8 has 10);
    a V6 name is an unsupported format."""
    path = realdata(REAL_MOPITT)
    v8 = tmp_path / "MOP02J-20210929-L2V18.0.3.he5"
    shutil.copy(path, v8)
    with pytest.raises(BadInputError) as e:
        mopitt.read_mop02(v8)
    assert e.value.reason == "bad_shape" and e.value.dataset.endswith("MODISCloudDiagnostics")
    v6 = tmp_path / "MOP02J-20210929-L2V16.2.3.he5"
    shutil.copy(path, v6)
    with pytest.raises(BadInputError) as e:
        mopitt.read_mop02(v6)
    assert e.value.reason == "unsupported_format"
    info = mopitt.parse_filename(path)
    assert (info.version, info.beta, info.product) == ("19.9.3", True, 9)
