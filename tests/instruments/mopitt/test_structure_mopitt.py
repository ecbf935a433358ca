"""The synthetic MOPITT writer writes the layout of the real V9 sample, dataset by dataset: names,
trailing shapes, dtypes, ``_FillValue``/``units`` attributes, and the compression of the
multi-dimensional fields; what NCO added to the sample (dimension scales beside the swath
groups, ``DIMENSION_LIST`` and ``_Netcdf4*`` attributes) is left out of the comparison."""

import h5py
import numpy as np
from helpers import REAL_MOPITT, realdata

SWATH = "HDFEOS/SWATHS/MOP02"
GROUPS = (f"{SWATH}/Data Fields", f"{SWATH}/Geolocation Fields")


def datasets(path):
    """name -> (trailing shape or full shape of a fixed array, dtype, fill, units, gzip level,
    chunk rows) of every dataset in the swath's field groups."""
    out = {}
    with h5py.File(path, "r") as f:
        n = f[f"{SWATH}/Geolocation Fields/Latitude"].shape[0]
        for g in GROUPS:
            for name, ds in f[g].items():
                per_sounding = ds.ndim >= 1 and ds.shape[0] == n and name not in ("Pressure", "Pressure2", "PressureGrid")
                shape = ("nTime",) + ds.shape[1:] if per_sounding else ds.shape
                fill = ds.attrs.get("_FillValue")
                units = ds.attrs.get("units")
                out[f"{g.rsplit('/', 1)[1]}/{name}"] = {
                    "shape": shape, "dtype": ds.dtype.str,
                    "fill": (np.asarray(fill).ravel().tolist(), np.asarray(fill).dtype.str) if fill is not None else None,
                    "units": units.decode() if isinstance(units, bytes) else units,
                    "gzip": ds.compression_opts if ds.compression == "gzip" else None,
                    "chunk_rows": ds.chunks[0] if (per_sounding and ds.ndim > 1 and ds.chunks) else None,
                }
    return out


def test_synthetic_file_has_the_real_v9_structure(synthetic_day):
    real = datasets(realdata(REAL_MOPITT))
    syn = datasets(synthetic_day["path"])
    assert sorted(syn) == sorted(real)
    for name, want in real.items():
        got = syn[name]
        for key in ("shape", "dtype", "fill", "units"):
            assert got[key] == want[key], (name, key, got[key], want[key])
        if len(want["shape"]) > 1:  # multi-dimensional: compressed as the real file is
            assert got["gzip"] == want["gzip"] == 5, name
            if want["chunk_rows"] is not None:
                assert got["chunk_rows"] == want["chunk_rows"] == 500, name
    with h5py.File(realdata(REAL_MOPITT), "r") as r, h5py.File(synthetic_day["path"], "r") as s:
        fa = "HDFEOS/ADDITIONAL/FILE_ATTRIBUTES"
        assert set(r[fa].attrs) <= set(s[fa].attrs)
        assert s[fa].attrs["TimeCount"][0] == s[f"{SWATH}/Geolocation Fields/Latitude"].shape[0]


def test_synthetic_values_lie_where_the_real_ones_do(synthetic_day):
    """The elements satcol reads hold values on the real file's scales, and fill where it has fill."""
    with h5py.File(realdata(REAL_MOPITT), "r") as r, h5py.File(synthetic_day["path"], "r") as s:
        d = f"{SWATH}/Data Fields/"
        for src in (r, s):
            l1 = src[d + "Level1RadiancesandErrors"][()]
            assert (l1[:, [1, 2, 5, 6, 8, 10], 0] == -9999).all()  # no radiance in these elements
            assert (l1[:, [0, 3, 4, 7], 0] != -9999).all()
            m = src[d + "MODISCloudDiagnostics"][()]
            ok = m[:, 0] != -9999
            assert 400 < np.median(m[ok, 0]) < 600
            np.testing.assert_allclose(m[ok, 1] + m[ok, 4], 100.0, atol=1e-3)  # cloudy + clear percent
            snow = m[ok, 6]
            assert snow.min() >= 0 and snow.max() <= 1
            assert ((snow > 0) & (snow < 0.999)).any()  # partial snow/ice cover exists
            emis = src[d + "APrioriSurfaceEmissivity"][()]
            assert 0.7 < emis[:, 0].min() and emis[:, 0].max() <= 1.0 + 1e-6 and np.allclose(emis[:, 1], 0.05)
            ts = src[d + "APrioriSurfaceTemperature"][()]
            assert 180 < ts[:, 0].min() and ts[:, 0].max() < 340 and np.allclose(ts[:, 1], 5.0)
            # 6A is fill at night (SZA well beyond 90 deg)
            sza = src[d + "SolarZenithAngle"][()]
            assert (l1[sza > 100, 9, 0] == -9999).all()
