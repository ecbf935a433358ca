"""GOSAT NIES L2 reader and the synthetic files' layout.

The layout table below is kept here as data, written from the real V02.80 file's description
(docs/formats-gosat.md, "Layout", which restates the NIES product description in the project's
own words) and the assumptions listed there,
independently of satcol.instruments.gosat.reader.LAYOUTS: the synthetic files must carry every dataset of it,
and a file built here with plain h5py from it must read through the reader with the values put
in.

How each test was checked to fail on a plausible wrong implementation: noted in the test.
"""

import datetime as dt

import h5py
import numpy as np
import pytest

import satcol
from satcol.core.errors import BadInputError
from satcol.instruments.gosat import reader as gio
from satcol.synthetic import gosat as sg
from satcol.synthetic import tccon as syn_tccon

N = 7
F, C = -9999.0, -1.0e30
# path ({G}: CO2/CH4), trailing shape (None: ancillary, full shape), dtype, unit, invalidValue
V02_TABLE = [
    ("scanAttribute/time", (), "S23", None, None),
    ("scanAttribute/scanID", (), "S19", None, None),
    ("scanAttribute/crossTrackObservationPoint", (), "int8", None, 0),
    ("scanAttribute/sensor/gain", (2,), "S1", None, None),
    ("scanAttribute/sensor/observationMode", (), "S4", None, None),
    ("scanAttribute/qualityInformation/SNR", (4, 3), "float32", "none", F),
    ("scanAttribute/qualityInformation/totalPreScreeningResult", (), "int8", None, None),
    ("scanAttribute/qualityInformation/L1BQA", (), "int8", None, None),
    ("scanAttribute/qualityInformation/CAIRadianceScreening", (), "int8", None, None),
    ("scanAttribute/qualityInformation/highSolarZenithScreening", (), "int8", None, None),
    ("scanAttribute/qualityInformation/waterSaturationBandScreening", (), "int8", None, None),
    ("scanAttribute/referenceData/X{G}", (), "float32", "ppmv", F),
    ("scanAttribute/referenceData/{G}Profile", (15,), "float32", "ppmv", F),
    ("scanAttribute/referenceData/surfacePressure", (), "float32", "hPa", F),
    ("scanAttribute/referenceData/surfaceAlbedo", (4,), "float32", "none", F),
    ("scanAttribute/referenceData/surfaceWindSpeed", (), "float32", "m/sec", F),
    ("scanAttribute/referenceData/cirrusOpticalThickness", (), "float32", "none", F),
    ("scanAttribute/referenceData/cirrusTopPressure", (), "float32", "hPa", F),
    ("scanAttribute/referenceData/aerosolOpticalThickness", (13, 3), "float32", "none", F),
    ("scanAttribute/referenceData/dryAirPartialColumn", (15,), "float32", "molecules/cm^2", C),
    ("scanAttribute/referenceData/temperatureProfile", (21,), "float32", "K", F),
    ("scanAttribute/referenceData/waterVaporProfile", (21,), "float32", "ppmv", F),
    ("Data/geolocation/latitude", (), "float32", "deg", F),
    ("Data/geolocation/longitude", (), "float32", "deg", F),
    ("Data/geolocation/solarZenith", (), "float32", "deg", F),
    ("Data/geolocation/solarAzimuth", (), "float32", "deg", F),
    ("Data/geolocation/satelliteZenith", (), "float32", "deg", F),
    ("Data/geolocation/satelliteAzimuth", (), "float32", "deg", F),
    ("Data/geolocation/airMass", (), "float32", "none", F),
    ("Data/geolocation/landFraction", (), "float32", "percent", F),
    ("Data/geolocation/height", (), "int16", "m", F),
    ("Data/geolocation/footPrintLatitude", (36,), "float32", "deg", F),
    ("Data/geolocation/footPrintLongitude", (36,), "float32", "deg", F),
    ("Data/mixingRatio/X{G}", (), "float32", "ppmv", F),
    ("Data/mixingRatio/X{G}ExternalError", (), "float32", "ppmv", F),
    ("Data/mixingRatio/X{G}InterferenceError", (), "float32", "ppmv", F),
    ("Data/mixingRatio/X{G}RetrievalNoise", (), "float32", "ppmv", F),
    ("Data/mixingRatio/X{G}SmoothingError", (), "float32", "ppmv", F),
    ("Data/totalColumn/{G}TotalColumn", (), "float32", "molecules/cm^2", C),
    ("Data/totalColumn/{G}TotalColumnExternalError", (), "float32", "molecules/cm^2", C),
    ("Data/totalColumn/{G}TotalColumnInterferenceError", (), "float32", "molecules/cm^2", C),
    ("Data/totalColumn/{G}TotalColumnRetrievalNoise", (), "float32", "molecules/cm^2", C),
    ("Data/totalColumn/{G}TotalColumnSmoothingError", (), "float32", "molecules/cm^2", C),
    ("Data/auxiliaryParameter/surfacePressure", (), "float32", "hPa", F),
    ("Data/auxiliaryParameter/aerosolOpticalThickness", (13, 3), "float32", "none", F),
    ("Data/auxiliaryParameter/surfaceAlbedo", (24,), "float32", "none", F),
    ("Data/auxiliaryParameter/dryAirTotalColumn", (), "float32", "molecules/cm^2", C),
    ("Data/retrievalQuality/{G}DFS", (), "float32", "none", F),
    ("Data/retrievalQuality/chi2", (), "float32", "none", F),
    ("Data/retrievalQuality/iterations", (), "int8", None, None),
    ("Data/retrievalQuality/residualMeanSquare", (4,), "float32", "none", F),
    ("Data/retrievalQuality/columnAveragingKernel", (15,), "float32", "none", F),
    ("Data/retrievalQuality/totalPostScreeningResult", (), "int8", None, None),
    ("ancillary/FTSL2DataInformation/prsRefLevel", None, "float32", "hPa", None),
    ("ancillary/FTSL2DataInformation/wavelengthRetAer", None, "float32", None, None),
    ("ancillary/FTSL2DataInformation/wnRetAlb", None, "float32", None, None),
    ("ancillary/FTSL2DataInformation/indxRetAlb", None, "int32", None, None),
    ("ancillary/FTSL2DataInformation/numRetLayer", None, "int32", None, None),
    ("ancillary/FTSL2DataInformation/numRefLevel", None, "int32", None, None),
    ("ancillary/FTSL2DataInformation/numSubBand", None, "int32", None, None),
    ("ancillary/FTSL2DataInformation/wavenumberRangeSubBand", None, "float32", None, None),
]
ANCILLARY_SHAPES = {"prsRefLevel": (21,), "wavelengthRetAer": (13,), "wnRetAlb": (24,), "indxRetAlb": (24,),
                    "numRetLayer": (1,), "numRefLevel": (1,), "numSubBand": (1,), "wavenumberRangeSubBand": (4, 2)}
# V03 (docs/formats-gosat.md A7, A8): the H2O sub-band's residual and range, the retrieved cloud.
V03_CHANGES = {"Data/retrievalQuality/residualMeanSquare": (5,), "wavenumberRangeSubBand": (5, 2)}
V03_ADDED = [("Data/auxiliaryParameter/cloudOpticalThickness", (), "float32", "none", F),
             ("Data/auxiliaryParameter/cloudTopPressure", (), "float32", "hPa", F)]


def table_for(species, version):
    """Rows (path, shape, dtype, unit, invalidValue); an ancillary grid's shape is (None, full shape)."""
    v03 = version.startswith("03")
    rows = []
    for path, shape, dtype, unit, inv in V02_TABLE + (V03_ADDED if v03 else []):
        leaf = path.rsplit("/", 1)[1]
        if shape is None:
            shape = (None, V03_CHANGES.get(leaf, ANCILLARY_SHAPES[leaf]) if v03 else ANCILLARY_SHAPES[leaf])
        elif v03:
            shape = V03_CHANGES.get(path, shape)
        rows.append((path.format(G=species), shape, dtype, unit, inv))
    return rows


def _full(shape, n):
    return shape[1] if shape and shape[0] is None else (n,) + shape


@pytest.fixture(scope="module")
def site_table():
    from satcol.core.config import load_config

    return syn_tccon.read_site_table(load_config()["tccon_sites"])


@pytest.fixture(scope="module")
def written(tmp_path_factory, site_table):
    out = tmp_path_factory.mktemp("gosat")
    day = [dt.date(2016, 5, 2)]
    v03 = sg.write_days(out / "v03", day, {}, site_table, version="03.05")
    truth = dict(sg.DEFAULTS["truth"])
    truth["xco2_bias_ppm"] = {"land": dict(truth["xco2_bias_ppm"]["land"], intercept=0.6),  # +1.0 ppm
                              "ocean": dict(truth["xco2_bias_ppm"]["ocean"])}
    v02 = sg.write_days(out / "v02", day, {}, site_table, version="02.90", truth_cfg=truth)
    return {"v03": v03, "v02": v02}


@pytest.mark.parametrize("which,species", [("v03", "CO2"), ("v03", "CH4"), ("v02", "CO2"), ("v02", "CH4")])
def test_synthetic_file_carries_every_dataset_of_the_real_layout(written, which, species):
    """Fails if the writer drops a dataset, changes a shape, dtype, unit or invalidValue, or
    writes _FillValue/units instead of the NIES attributes (checked by renaming 'unit' in
    the writer: every float row fails)."""
    path = next(p for p in written[which] if ("C01S" if species == "CO2" else "C02S") in p.name)
    version = "03.05" if which == "v03" else "02.90"
    with h5py.File(path, "r") as f:
        n = f["scanAttribute/time"].shape[0]
        assert n > 50
        for name, shape, dtype, unit, inv in table_for(species, version):
            assert name in f, f"{name} missing"
            ds = f[name]
            want = _full(shape, n)
            assert ds.shape == want, (name, ds.shape, want)
            assert ds.dtype == np.dtype(dtype), (name, ds.dtype, dtype)
            if unit is not None:
                assert np.asarray(ds.attrs["unit"]).ravel()[0].decode() == unit, name
            if inv is not None:
                iv = np.asarray(ds.attrs["invalidValue"])
                assert iv.shape == (1,) and float(iv[0]) == pytest.approx(inv, rel=1e-6), name
            assert "longName" in ds.attrs and "_FillValue" not in ds.attrs, name
        code = f["Global/metadata/productCode"][()].decode()
        assert code == ("C01S" if species == "CO2" else "C02S")
        assert f["Global/metadata/productVersion"][()].decode() == version
        t = f["scanAttribute/time"][0].decode()
        assert len(t) == 23 and t[4] == "-" and t[10] == " " and t[19] == "."


def _build(path, species="CO2", version="02.80", drop=None, unit_override=None, meta=True):
    """A NIES-layout file built with plain h5py from the table, with known values."""
    rng = np.random.default_rng(5)
    with h5py.File(path, "w") as f:
        if meta:
            f.create_dataset("Global/metadata/productCode", data=np.bytes_("C01S" if species == "CO2" else "C02S"))
            f.create_dataset("Global/metadata/productVersion", data=np.bytes_(version))
        for name, shape, dtype, unit, inv in table_for(species, version):
            if name == drop:
                continue
            full = _full(shape, N)
            dt_ = np.dtype(dtype)
            if dt_.kind == "S":
                data = np.full(full, b"H" if name.endswith("gain") else b"OB1D", dtype=dt_)
            elif dt_.kind == "f":
                data = rng.uniform(0.1, 0.9, full).astype(dt_)
            else:
                data = np.ones(full, dtype=dt_)
            ds = f.create_dataset(name, data=data)
            if unit is not None:
                ds.attrs["unit"] = np.array([(unit_override or {}).get(name, unit).encode()])
            if inv is not None:
                ds.attrs["invalidValue"] = np.array([inv], dtype=dt_ if dt_.kind == "f" else np.float32)

        def put(name, value, where=Ellipsis):
            if name != drop:
                f[name][where] = value

        times = [f"2018-11-01 03:{m:02d}:1{m}.250" for m in range(N)]
        put("scanAttribute/time", np.array([t.encode() for t in times], dtype="S23"))
        put("scanAttribute/scanID", np.array([f"20181101030{m}00000{m}".encode() for m in range(N)], dtype="S19"))
        g = species
        x = np.array([400.0, 401.0, F, 403.0, 404.0, 405.0, 406.0]) * (1.0 if g == "CO2" else 1.8 / 400.0)
        if g == "CH4":
            x[2] = F
        put(f"Data/mixingRatio/X{g}", x)
        put(f"scanAttribute/referenceData/X{g}", x + (1.0 if g == "CO2" else 0.001))
        put("Data/geolocation/latitude", [10.0, -20.0, 30.0, 95.0, 0.0, 45.0, -45.0])  # 95: out of validRange
        put("Data/geolocation/landFraction", [100.0, 0.0, 40.0, 60.0, 100.0, 100.0, 0.0])
        put("scanAttribute/referenceData/surfacePressure", 1000.0)
        put("Data/auxiliaryParameter/surfacePressure", [1003.0, 995.0, 1000.0, 1000.0, 1030.0, 1000.0, 1000.0])
        if drop != "Data/geolocation/latitude":
            f["Data/geolocation/latitude"].attrs["validRange"] = np.array([-90.0, 90.0], dtype=np.float32)
        # AOT: 1.6 um is the 10th of the 13 wavelengths; 3 types summed
        wl = np.array([0.5, 0.55, 0.6, 0.67, 0.76, 0.87, 1.0, 1.24, 1.38, 1.6, 1.65, 2.06, 2.1], dtype=np.float32)
        put("ancillary/FTSL2DataInformation/wavelengthRetAer", wl)
        aot = np.zeros((N, 13, 3), dtype=np.float32)
        aot[:, 9, :] = np.array([0.01, 0.02, 0.03])[None, :] * np.arange(1, N + 1)[:, None]
        aot[:, 10, :] = 5.0  # the neighbour at 1.65 um must not be used
        put("Data/auxiliaryParameter/aerosolOpticalThickness", aot)
        # albedo: sub-band ranges and 6 wavenumbers per sub-band
        ranges = np.array([[12950, 13200], [6180, 6280], [5900, 6150], [4800, 4900]] +
                          ([[5150, 5200]] if version.startswith("03") else []), dtype=np.float32)
        put("ancillary/FTSL2DataInformation/wavenumberRangeSubBand", ranges)
        wn = np.concatenate([np.linspace(lo, hi, 6) for lo, hi in ranges[:4]]).astype(np.float32)
        put("ancillary/FTSL2DataInformation/wnRetAlb", wn)
        alb = np.repeat(np.array([[0.5, 0.3, 0.2, 0.1]]), 6, axis=1) * np.ones((N, 1))
        alb[1] = F  # ocean: not retrieved
        put("Data/auxiliaryParameter/surfaceAlbedo", alb)
        # layers, top first in the file: partial columns 1..15 (top .. surface), AK = layer number
        put("scanAttribute/referenceData/dryAirPartialColumn", np.arange(1, 16, dtype=np.float32) * 1e23)
        put("Data/retrievalQuality/columnAveragingKernel", np.arange(1, 16, dtype=np.float32) / 10.0)
        put("scanAttribute/referenceData/dryAirPartialColumn", C, (4, 0))
        snr = np.zeros((N, 4, 3), dtype=np.float32)
        snr[:, 0, 2] = 150.0
        snr[:, 0, :2] = 999.0
        put("scanAttribute/qualityInformation/SNR", snr)
        put("Data/retrievalQuality/iterations", [3, 4, 20, 5, -1, 6, 7])
        put("scanAttribute/sensor/gain", np.array([[b"H", b"H"], [b"M", b"M"]] + [[b"H", b"M"]] * (N - 2)))
    return path


def test_reader_reads_a_file_built_with_plain_h5py(tmp_path):
    """Checked to fail with: invalidValue not honoured (x[2] = -9999), validRange ignored
    (lat 95 kept), AOT from the nearest-but-one wavelength (5.0 per type), layers left top
    first (AK 1.5 at the surface), the time string parsed as local or with the seconds dropped."""
    table, prof, info = gio.read_gosat(_build(tmp_path / "GOSATTFTS20181101_02C01SV0280R181101GU000.h5"))
    assert (info.product_code, info.product_version, info.species, info.date) == ("C01S", "02.80", "CO2",
                                                                                  dt.date(2018, 11, 1))
    np.testing.assert_allclose(table["xco2"][[0, 1, 3]], [400.0, 401.0, 403.0], atol=1e-4)
    assert np.isnan(table["xco2"][2])
    assert np.isnan(table["lat"][3]) and table["lat"][0] == pytest.approx(10.0)
    want_t = (np.datetime64("2018-11-01T03:01:11.250") - np.datetime64("1970-01-01T00:00:00")) / np.timedelta64(1, "s")
    assert table["time"][1] == pytest.approx(want_t, abs=1e-6)
    assert list(table["surface"]) == [1, 0, 2, 1, 1, 1, 0]
    np.testing.assert_allclose(table["dps_hpa"][:2], [3.0, -5.0], atol=1e-3)
    np.testing.assert_allclose(table["aot_1p6"], 0.06 * np.arange(1, N + 1), rtol=1e-5)
    np.testing.assert_allclose(table["albedo_o2a"][0], 0.5, rtol=1e-6)
    assert table["blended_albedo"][0] == pytest.approx(2.4 * 0.5 - 1.13 * 0.1, rel=1e-6)
    assert np.isnan(table["blended_albedo"][1])
    assert table["snr_o2a"][0] == pytest.approx(150.0)
    assert table["iterations"][2] == 20 and np.isnan(table["iterations"][4])
    assert list(table["gain"][:2]) == ["H", "M"] and list(table["gain_mixed"][:3]) == [0, 0, 1]
    # surface first: the file's last layer (partial column 15e23, AK 1.5) is canonical layer 0
    assert prof["column_ak"][0, 0] == pytest.approx(1.5) and prof["column_ak"][0, -1] == pytest.approx(0.1)
    np.testing.assert_allclose(prof["pressure_weight"][0], np.arange(15, 0, -1) / 120.0, rtol=1e-6)
    assert np.all(np.diff(prof["layer_pressure_hpa"][0]) < 0)
    assert np.isnan(prof["pressure_weight"][4]).all()  # a column fill value spoils the weights
    fill = gio.input_fill_mask(table, prof, "xco2")
    assert list(np.nonzero(fill)[0]) == [2, 3, 4]


def test_reader_ch4_in_ppb(tmp_path):
    """XCH4 in the files is in ppmv: the canonical xch4 is ppb (fails without the factor 1000)."""
    p = _build(tmp_path / "GOSATTFTS20181101_02C02SV0300R181101GU000.h5", species="CH4", version="03.00")
    ds = satcol.open_gosat(p)
    assert ds.attrs["species"] == "CH4" and ds["xch4"].attrs["units"] == "ppb"
    assert float(ds["xch4"][0]) == pytest.approx(1800.0, rel=1e-6)
    assert float(ds["xch4_apriori"][0] - ds["xch4"][0]) == pytest.approx(1.0, abs=1e-3)
    assert ds.sizes["layer"] == 15 and "cot" in ds and "rms_sco2" in ds


@pytest.mark.parametrize("drop", ["Data/retrievalQuality/CO2DFS", "Data/geolocation/landFraction",
                                  "ancillary/FTSL2DataInformation/wnRetAlb"])
def test_missing_dataset_names_file_dataset_and_inventory(tmp_path, drop):
    p = _build(tmp_path / "GOSATTFTS20181101_02C01SV0280R181101GU000.h5", drop=drop)
    with pytest.raises(BadInputError) as e:
        gio.read_gosat(p)
    assert e.value.dataset == "/" + drop and e.value.reason == "missing_dataset"
    assert p.name in str(e.value) and "Data/mixingRatio/XCO2" in str(e.value)  # the inventory


def test_v03_dataset_missing_from_a_v02_shaped_file(tmp_path):
    """A file that says V03 but has the V02 layout: the V03 cloud datasets are named as missing."""
    p = tmp_path / "GOSATTFTS20181101_02C01SV0300R181101GU000.h5"
    _build(p, version="02.80")
    with h5py.File(p, "a") as f:
        del f["Global/metadata/productVersion"]
        f.create_dataset("Global/metadata/productVersion", data=np.bytes_("03.00"))
    with pytest.raises(BadInputError) as e:
        gio.read_gosat(p)
    assert e.value.reason in ("missing_dataset", "bad_shape")
    assert "residualMeanSquare" in str(e.value) or "cloud" in str(e.value)


def test_bad_metadata_unit_and_name(tmp_path):
    p = _build(tmp_path / "a.h5", meta=False)
    with pytest.raises(BadInputError, match="productCode"):
        gio.read_gosat(p)
    p = _build(tmp_path / "b.h5", unit_override={"Data/mixingRatio/XCO2": "ppbv"})
    with pytest.raises(BadInputError) as e:
        gio.read_gosat(p)
    assert e.value.reason == "bad_unit" and e.value.dataset == "/Data/mixingRatio/XCO2"
    p = _build(tmp_path / "GOSATTFTS20181101_02C02SV0280R181101GU000.h5")  # name says CH4, file CO2
    with pytest.raises(BadInputError, match="file name says"):
        gio.read_gosat(p)


def test_match_scan_ids_pairs_by_id_not_position():
    """Fails for positional pairing or when a missing ID is paired with a neighbour."""
    a = np.array(["s1", "s2", "s3", "s4", "s5"])
    b = np.array(["s4", "s9", "s1", "s5", "s3"])
    ia, ib = gio.match_scan_ids(a, b)
    assert list(ia) == [0, 2, 3, 4] and list(b[ib]) == list(a[ia])
    with pytest.raises(ValueError, match="s1"):
        gio.match_scan_ids(np.array(["s1", "s1"]), b)


def test_two_versions_matched_by_scan_id_differ_by_the_injected_change(written):
    """V02.90 was written with the land intercept 1.0 ppm higher on the same soundings: matched
    by scan ID (after shuffling one side), land differs by 1.0 ppm, ocean by 0 (fails if the
    versions' soundings or noise draws differ, or the pairing is wrong)."""
    t3 = gio.read_gosat(next(p for p in written["v03"] if "C01S" in p.name))[0]
    t2 = gio.read_gosat(next(p for p in written["v02"] if "C01S" in p.name))[0]
    perm = np.random.default_rng(1).permutation(len(t2["scan_id"]))[5:]
    ia, ib = gio.match_scan_ids(t3["scan_id"], t2["scan_id"][perm])
    assert len(ia) == len(t3["scan_id"]) - 5
    d = t2["xco2"][perm][ib] - t3["xco2"][ia]
    land, ocean = t3["surface"][ia] == 1, t3["surface"][ia] == 0
    assert land.sum() > 20 and ocean.sum() > 5
    np.testing.assert_allclose(d[land], 1.0, atol=2e-3)
    np.testing.assert_allclose(d[ocean], 0.0, atol=2e-3)


def test_reader_reads_only_the_fields_it_needs(tmp_path):
    """Issue 22: the reader reads the datasets canonical() uses, not the whole layout. A file
    without the footprint corners (never used) reads; asked for every field, it is refused naming
    the dataset; a needed one missing is still refused (fails if the reader reads the layout or
    skips a needed dataset)."""
    drop = "Data/geolocation/footPrintLatitude"
    p = _build(tmp_path / "GOSATTFTS20181101_02C01SV0280R181101GU000.h5", drop=drop)
    table, _, _ = gio.read_gosat(p)
    assert table["xco2"][0] == pytest.approx(400.0, abs=1e-4)
    with pytest.raises(BadInputError) as e:
        gio.read_raw(p, fields="all")
    assert e.value.dataset == "/" + drop
    paths = {f.path for f in gio.canonical_fields("CO2", "02")}
    assert drop not in paths and "scanAttribute/referenceData/cirrusOpticalThickness" in paths
    assert "Data/auxiliaryParameter/cloudOpticalThickness" in {f.path for f in gio.canonical_fields("CO2", "03")}
    assert len(paths) < len(gio.layout("CO2", "02"))


def test_reader_takes_variable_length_string_units(tmp_path):
    """A unit written as a variable-length string (h5py's default for a Python str) is read like
    the NIES fixed-length one: the right unit passes, a wrong one is refused."""
    p = _build(tmp_path / "GOSATTFTS20181101_02C01SV0280R181101GU000.h5")
    with h5py.File(p, "a") as f:
        f["Data/mixingRatio/XCO2"].attrs["unit"] = "ppmv"
    assert gio.read_gosat(p)[0]["xco2"][0] == pytest.approx(400.0, abs=1e-4)
    with h5py.File(p, "a") as f:
        f["Data/mixingRatio/XCO2"].attrs["unit"] = "ppbv"
    with pytest.raises(BadInputError) as e:
        gio.read_gosat(p)
    assert e.value.reason == "bad_unit" and e.value.dataset == "/Data/mixingRatio/XCO2"
