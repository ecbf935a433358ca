"""TCCON GGG2020 reader: the real public sample (Harwell, 64 spectra) and a private-layout file
built here (flag, prior_index, unexpanded priors in parts, AK lookup table in slant Xgas)."""

import netCDF4
import numpy as np
import pytest
from helpers import REAL_TCCON, realdata

import satcol
from satcol.core.errors import BadInputError
from satcol.pipeline import ingest
from satcol.validation import tccon


def raw(path, name):
    with netCDF4.Dataset(path) as nc:
        return np.asarray(nc[name][:].filled(np.nan) if np.ma.isMA(nc[name][:]) else nc[name][:], dtype=np.float64)


# --- the real public file ------------------------------------------------------------------------
def test_real_ggg2020_reads_every_gas_with_errors_aks_priors_and_operator():
    path = realdata(REAL_TCCON)
    ds = satcol.open_tccon(path)
    assert ds.sizes["spectrum"] == 64 and ds.attrs["n_flagged_dropped"] == 0
    assert ds.attrs["file_format_version"] == "2020.B" and ds.attrs["layout"] == "public"
    # Canonical units: XCO ppb, XCO2 ppm as in the file; XCH4 is ppm in the file, ppb here.
    np.testing.assert_allclose(ds["xco"], raw(path, "xco"))
    np.testing.assert_allclose(ds["xco2"], raw(path, "xco2"))
    np.testing.assert_allclose(ds["xch4"], 1e3 * raw(path, "xch4"), rtol=1e-6)
    assert 1800 < float(ds["xch4"].mean()) < 2000 and 380 < float(ds["xco2"].mean()) < 450
    for g in ("co", "co2", "ch4"):
        assert np.all(ds[f"x{g}_error"] > 0)
        assert ds[f"ak_x{g}"].shape == (64, 51) and np.isfinite(ds[f"ak_x{g}"]).all()
        assert ds[f"prior_{g}"].shape == (64, 51) and np.isfinite(ds[f"prior_{g}"]).all()
    # The scales as the file says them: XCO is not WMO-scaled in GGG2020.
    assert ds["xco"].attrs["wmo_or_analogous_scale"] == "Not used"
    assert ds["xco2"].attrs["wmo_or_analogous_scale"] == "WMO CO2 X2007"
    assert ds["xch4"].attrs["wmo_or_analogous_scale"] == "WMO CH4 X2004"
    # prior_pressure is in atm in the file.
    np.testing.assert_allclose(ds["prior_pressure"], 1013.25 * raw(path, "prior_pressure"), rtol=1e-6)


def test_real_ggg2020_prior_xgas_is_the_integration_operator_on_the_prior_profile():
    """prior_x = sum_i h_i f_prior,wet,i (the operator's description in the file). The file's own values agree
    to 1.3e-4 (float32 storage of operator and profiles); 3e-4 is the tolerance. Checked to
    fail: a prior_ch4 read as ppm (its units attribute says ppb) is off by a factor 1000, and the
    dry-air pressure weights of satcol.instruments.mopitt.levels instead of the operator miss by up to 0.5 %."""
    ds = satcol.open_tccon(realdata(REAL_TCCON))
    h = ds["integration_operator"].values
    for g in ("co", "co2", "ch4"):
        col = np.sum(h * ds[f"prior_{g}"].values, axis=1)
        np.testing.assert_allclose(col, ds[f"prior_x{g}"].values, rtol=3e-4)


def test_real_ggg2020_ingests_into_the_colocation_store(tmp_path):
    from satcol.validation import colocation

    path = realdata(REAL_TCCON)
    rep = ingest.ingest_tccon_site("hw", [path], tmp_path / "hw.nc", {})
    assert rep["n_measurements"] == 64 and rep["xco_scale"] == "Not used"
    t = colocation.read_tccon_store(tmp_path / "hw.nc")
    np.testing.assert_allclose(t["xgas"], raw(path, "xco"))
    assert np.isnan(t["xgas_unscaled"]).all()  # GGG2020 has no unscaled XCO: not a copy of xco
    import xarray as xr

    with xr.open_dataset(tmp_path / "hw.nc", engine="h5netcdf") as st:
        # The dry operator on the dry prior gives the file's prior column.
        col = np.sum(st["integration_operator"].values * st["prior_co"].values, axis=1)
        np.testing.assert_allclose(col, raw(path, "prior_xco"), rtol=3e-4)
        assert "not available" in st["xco_unscaled"].attrs["comment"]


# --- a private-layout file -------------------------------------------------------------------------
FLAG = np.array([0, 0, 3, 0, 10, 0, 0])
PRIOR_INDEX = np.array([0, 0, 0, 1, 1, 1, 1], dtype=np.int16)
AIRMASS = np.array([2.0, 1.2, 2.0, 3.0, 2.0, 0.5, 4.0])
XCO = np.array([100.0, 90.0, 95.0, 110.0, 80.0, 100.0, 150.0])  # ppb
XCH4 = np.array([1.85, 1.86, 1.87, 1.88, 1.89, 1.90, 1.91])  # ppm
CO_BINS = np.array([100.0, 200.0, 300.0, 400.0, 500.0])  # slant XCO, ppb
CH4_BINS = np.array([2000.0, 3000.0, 4000.0, 5000.0, 6000.0])  # slant XCH4, ppb (XCH4 itself in ppm)
N_ALT = 6
C_L = np.linspace(1.2, 0.6, N_ALT)
D_L = np.linspace(-1e-3, 1e-3, N_ALT)


def write_private(path, drop=()):
    n = FLAG.size
    alt = np.linspace(0.0, 50.0, N_ALT)
    p_atm = np.exp(-alt / 7.6)[None, :] * np.array([[1.0], [0.98]])
    with netCDF4.Dataset(path, "w") as nc:
        nc.file_format_version = "2020.C"
        for d, k in (("time", n), ("prior_time", 2), ("prior_altitude", N_ALT), ("ak_altitude", N_ALT),
                     ("ak_slant_xgas_bin", CO_BINS.size)):
            nc.createDimension(d, k)

        def var(name, dims, data, units=None, dtype="f4", **attrs):
            if name in drop:
                return
            v = nc.createVariable(name, dtype, dims)
            v[:] = data
            if units is not None:
                v.units = units
            for key, val in attrs.items():
                v.setncattr(key, val)

        var("time", ("time",), 1.7e9 + 60.0 * np.arange(n), "seconds since 1970-01-01 00:00:00", "f8")
        for name, val, u in (("lat", 51.5, "degrees_north"), ("long", -1.3, "degrees_east"), ("zobs", 0.1, "km"),
                             ("pout", 1000.0, "hPa"), ("solzen", 50.0, "degrees")):
            var(name, ("time",), np.full(n, val), u)
        var("airmass", ("time",), AIRMASS, "")
        var("flag", ("time",), FLAG, None, "i4")
        var("prior_index", ("time",), PRIOR_INDEX, None, "i2")
        var("prior_time", ("prior_time",), [1.7e9, 1.7e9 + 10800.0], "seconds since 1970-01-01", "f8")
        var("prior_altitude", ("prior_altitude",), alt, "km")
        var("prior_pressure", ("prior_time", "prior_altitude"), p_atm, "atm")
        var("prior_1h2o", ("prior_time", "prior_altitude"), 0.01 * np.exp(-alt / 2.0)[None, :].repeat(2, 0), "")
        var("prior_1co", ("prior_time", "prior_altitude"), np.array([[100e-9], [120e-9]]) * np.ones(N_ALT), "parts")
        var("prior_1ch4", ("prior_time", "prior_altitude"), np.array([[1.9e-6], [1.8e-6]]) * np.ones(N_ALT), "")
        var("prior_density", ("prior_time", "prior_altitude"), 2.5e19 * p_atm, "molecules.cm-3")
        var("effective_path_length", ("time", "prior_altitude"), np.full((n, N_ALT), 1.6e5), "cm")
        var("vsw_o2_7885", ("time",), np.full(n, 0.2095 * 2.5e19 * 1.6e5 * 1.9), "molecules.cm-2")
        var("xco", ("time",), XCO, "ppb", wmo_or_analogous_scale="Not used")
        var("xco_error", ("time",), np.full(n, 1.5), "ppb")
        var("xch4", ("time",), XCH4, "ppm", wmo_or_analogous_scale="WMO CH4 X2004")
        var("xch4_error", ("time",), np.full(n, 0.005), "ppm")
        var("ak_altitude", ("ak_altitude",), alt, "km")
        var("ak_pressure", ("ak_altitude",), 1013.25 * np.exp(-alt / 7.6), "hPa")
        var("ak_slant_xco_bin", ("ak_slant_xgas_bin",), CO_BINS, "ppb")
        var("ak_slant_xch4_bin", ("ak_slant_xgas_bin",), CH4_BINS, "ppb")
        # Tables linear in the bin centre: the interpolated AK is C_L + D_L * slant exactly.
        var("ak_xco", ("ak_altitude", "ak_slant_xgas_bin"), C_L[:, None] + D_L[:, None] * CO_BINS[None, :], "")
        var("ak_xch4", ("ak_altitude", "ak_slant_xgas_bin"), C_L[:, None] + 1e-4 * D_L[:, None] * CH4_BINS[None, :], "")


def test_private_layout_reads_with_flagged_spectra_dropped(tmp_path):
    path = tmp_path / "xx20230402_20230402.private.qc.nc"
    write_private(path)
    ds = satcol.open_tccon(path)
    keep = FLAG == 0
    assert ds.sizes["spectrum"] == keep.sum() == 5
    assert ds.attrs["n_flagged_dropped"] == 2 and ds.attrs["n_spectra_in_file"] == 7 and ds.attrs["layout"] == "private"
    np.testing.assert_allclose(ds["xco"], XCO[keep], rtol=1e-6)
    np.testing.assert_allclose(ds["xch4"], 1e3 * XCH4[keep], rtol=1e-6)
    # Priors expanded through prior_index, converted from parts to ppb.
    np.testing.assert_allclose(ds["prior_co"][:, 0], np.array([100.0, 120.0])[PRIOR_INDEX[keep]], rtol=1e-6)
    np.testing.assert_allclose(ds["prior_ch4"][:, 3], np.array([1900.0, 1800.0])[PRIOR_INDEX[keep]], rtol=1e-6)
    np.testing.assert_allclose(ds["prior_pressure"][:, 0], 1013.25 * np.array([1.0, 0.98])[PRIOR_INDEX[keep]], rtol=1e-6)
    # The operator built as the writer builds it: path x density x 0.2095 / O2 column.
    h = 1.6e5 * 2.5e19 * np.exp(-np.linspace(0, 50, N_ALT) / 7.6) * 0.2095 / (0.2095 * 2.5e19 * 1.6e5 * 1.9)
    np.testing.assert_allclose(ds["integration_operator"][0], h, rtol=1e-5)
    np.testing.assert_allclose(ds["prior_xco"], np.sum(ds["integration_operator"].values * ds["prior_co"].values, 1))


def test_private_ak_table_interpolated_in_slant_xgas(tmp_path):
    """AK at slant XCO = XCO x airmass: linear between bins, extrapolated linearly below the
    lowest bin, clamped above the highest. Checked to fail when interpolating in XCO without the
    airmass (AK of C + D x 100 instead of C + D x 200 for the first spectrum) or when the XCH4
    bins (ppb) are not converted to the XCH4 unit (ppm): every spectrum is then clamped."""
    path = tmp_path / "xx20230402_20230402.private.qc.nc"
    write_private(path)
    ds = satcol.open_tccon(path)
    keep = FLAG == 0
    slant = XCO[keep] * AIRMASS[keep]  # 200, 108, 330, 50, 600
    expected = C_L[None, :] + D_L[None, :] * np.clip(slant, 0.0, CO_BINS[-1])[:, None]
    np.testing.assert_allclose(ds["ak_xco"], expected, rtol=1e-5)
    np.testing.assert_array_equal(ds["ak_flags_xco"], [0, 0, 0, -1, 2])
    slant4 = 1e3 * XCH4[keep] * AIRMASS[keep]  # ppb: 3700, 2232, 5640, 950, 7640
    expected4 = C_L[None, :] + 1e-4 * D_L[None, :] * np.clip(slant4, 0.0, CH4_BINS[-1])[:, None]
    np.testing.assert_allclose(ds["ak_xch4"], expected4, rtol=1e-5)
    np.testing.assert_array_equal(ds["ak_flags_xch4"], [0, 0, 0, -1, 2])


@pytest.mark.parametrize(("drop", "field"), [("xco_error", "xco_error"), ("prior_index", "prior_index"),
                                             ("ak_slant_xco_bin", "ak_slant_xco_bin"),
                                             ("vsw_o2_7885", "integration_operator")])
def test_private_layout_missing_fields_name_file_and_field(tmp_path, drop, field):
    path = tmp_path / "xx20230402_20230402.private.qc.nc"
    write_private(path, drop=(drop,))
    with pytest.raises(BadInputError) as e:
        satcol.open_tccon(path)
    assert e.value.dataset == field and str(path) in str(e.value)
    # Ingest raises the same error (the same reader).
    with pytest.raises(BadInputError) as e2:
        ingest.ingest_tccon_site("xx", [path], tmp_path / "xx.nc", {})
    assert e2.value.dataset == field


def test_prior_index_out_of_range(tmp_path):
    path = tmp_path / "xx20230402_20230402.private.qc.nc"
    write_private(path)
    with netCDF4.Dataset(path, "a") as nc:
        nc["prior_index"][3] = 2
    with pytest.raises(BadInputError, match="prior_index"):
        tccon.read_ggg2020(path)


# --- methods II and III with the product's integration operator -------------------------------------
def _comparison_case(n=4):
    from satcol.instruments.mopitt import levels

    rng = np.random.default_rng(3)
    psurf = np.full(n, 980.0)
    p_t = np.full(n, 990.0)
    # Prior levels starting at the TCCON surface: satcol's own grid is then the prior grid.
    p_prior = p_t[:, None] * np.exp(-np.linspace(0.0, 9.0, 40))[None, :]
    x_prior = 60.0 + 50.0 * (p_prior / 1000.0)
    x_a = 70.0 + 40.0 * (levels.level_pressures(psurf) / 1000.0)
    x_hat = x_a * (1.0 + 0.1 * rng.random(x_a.shape))
    A = np.broadcast_to(0.6 * np.eye(10) + 0.02, (n, 10, 10)).copy()
    ak = 0.8 + 0.3 * (1.0 - p_prior / 1000.0)
    return x_hat, x_a, A, psurf, p_t, p_prior, x_prior, ak, np.full(n, 95.0)


def test_method_ii_and_iii_with_the_operator_equal_satcol_weights_where_they_coincide():
    """With h_prior = satcol's pressure weights on a prior grid starting at the surface, both
    paths agree; doubling the operator halves gamma's prior column, which must show in method
    II's TCCON side (checked: with h_prior ignored the second assertion fails)."""
    from satcol.instruments.mopitt import levels
    from satcol.validation import akcompare as comparison

    x_hat, x_a, A, psurf, p_t, p_prior, x_prior, ak, xco_t = _comparison_case()
    h = levels.level_pressure_weights(p_prior)
    y0, x0 = comparison.method_ii(x_hat, x_a, A, psurf, p_t, p_prior, x_prior, xco_t)
    y1, x1 = comparison.method_ii(x_hat, x_a, A, psurf, p_t, p_prior, x_prior, xco_t, h_prior=h)
    np.testing.assert_allclose(y1, y0)
    np.testing.assert_allclose(x1, x0, rtol=1e-12)
    _, x2 = comparison.method_ii(x_hat, x_a, A, psurf, p_t, p_prior, x_prior, xco_t, h_prior=2 * h)
    # x = sum h_M x_at gamma^(sum_k A_jk); gamma halves, so x changes by 2^-(row sum).
    assert np.all(x2 < 0.8 * x0)
    y0, x0 = comparison.method_iii(x_hat, x_a, psurf, p_t, p_prior, x_prior, p_prior, ak, xco_t)
    y1, x1 = comparison.method_iii(x_hat, x_a, psurf, p_t, p_prior, x_prior, p_prior, ak, xco_t, h_prior=h)
    np.testing.assert_allclose(y1, y0, rtol=1e-10)
    np.testing.assert_allclose(x1, x0, rtol=1e-10)


@pytest.mark.parametrize("which", ["real", "private"])
def test_column_only_read_equals_the_full_reader(tmp_path, which):
    """tccon.read_xgas (the GOSAT match-ups' read: times and columns, no priors or kernels) gives
    the full reader's spectra and values: on the real GGG2020 file, and on a private-layout file
    with flagged spectra (fails if the flags or the units are not applied as the full reader
    applies them)."""
    path = tmp_path / "xx20230402_20230402.private.qc.nc"
    if which == "real":
        path = realdata(REAL_TCCON)
    else:
        write_private(path)
    full, light = tccon.read_ggg2020(path), tccon.read_xgas(path, ("co", "co2", "ch4"))
    assert light["site"] == full["site"]
    np.testing.assert_array_equal(light["time"], full["time"])
    gases = [g for g in ("co", "co2", "ch4") if f"x{g}" in full]
    assert [g for g in ("co", "co2", "ch4") if f"x{g}" in light] == gases and "co" in gases
    for g in gases:
        np.testing.assert_array_equal(light[f"x{g}"], full[f"x{g}"])
    if which == "private":
        assert light["time"].size == int((FLAG == 0).sum())
        assert light["xch4"][0] == pytest.approx(1e3 * XCH4[FLAG == 0][0])
