"""Read MOPITT L2 (MOP02J/T/N) HDF-EOS5 files into canonical arrays.

Dataset names, shapes and fill conventions follow the MOPITT L2 file specification as
summarised in FORMATS.md. Every dataset is read whole (one h5py read per dataset, no
per-sounding Python), except the error covariances, of which only the diagonals are kept: they
are read in row blocks. Problems raise :class:`satcol.errors.BadInputError` naming the file and
dataset.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from .. import levels, timeutil
from ..errors import BadInputError

GEO = "HDFEOS/SWATHS/MOP02/Geolocation Fields"
DATA = "HDFEOS/SWATHS/MOP02/Data Fields"
FILENAME_RE = re.compile(r"^MOP02([JTN])-(\d{8})-L2V(\d+(?:\.\d+)*)\.he5$")
DEFAULT_FILL = -9999.0
#: Elements of Level1RadiancesandErrors: 5A and 6A as the L3 screening uses them; 7A [check].
L1_ELEMENT = {"5A": 3, "6A": 9, "7A": 5}
#: MODISCloudDiagnostics element of H19's "MODIS cloud diagnostic 5" (snow/ice; 1 = none) [check].
MODIS_SNOW_ICE_ELEMENT = 4
#: Seconds a sounding may lie outside its file's UTC day before the file is rejected.
DAY_TOLERANCE_S = 60.0

#: name -> (group, trailing shape) of every dataset ingest needs.
REQUIRED = {
    "Latitude": (GEO, ()),
    "Longitude": (GEO, ()),
    "Time": (GEO, ()),
    "SwathIndex": (DATA, (3,)),
    "SurfaceIndex": (DATA, ()),
    "SolarZenithAngle": (DATA, ()),
    "SatelliteZenithAngle": (DATA, ()),
    "SurfacePressure": (DATA, ()),
    "DEMAltitude": (DATA, ()),
    "RetrievedCOTotalColumn": (DATA, (2,)),
    "APrioriCOTotalColumn": (DATA, ()),
    "DryAirColumn": (DATA, ()),
    "RetrievedCOSurfaceMixingRatio": (DATA, (2,)),
    "RetrievedCOMixingRatioProfile": (DATA, (9, 2)),
    "APrioriCOSurfaceMixingRatio": (DATA, (2,)),
    "APrioriCOMixingRatioProfile": (DATA, (9, 2)),
    "RetrievalAveragingKernelMatrix": (DATA, (10, 10)),
    "RetrievalErrorCovarianceMatrix": (DATA, (10, 10)),
    "TotalColumnAveragingKernel": (DATA, (10,)),
    "DegreesofFreedomforSignal": (DATA, ()),
    "SignalChi2": (DATA, ()),
    "RetrievalIterations": (DATA, ()),
    "RetrievalAnomalyDiagnostic": (DATA, (5,)),
    "Level1RadiancesandErrors": (DATA, (12, 2)),
    "MODISCloudDiagnostics": (DATA, (10,)),
    "RetrievedSurfaceTemperature": (DATA, (2,)),
    "APrioriSurfaceTemperature": (DATA, ()),
    "RetrievedSurfaceEmissivity": (DATA, (2,)),
    "APrioriSurfaceEmissivity": (DATA, ()),
    "CloudDescription": (DATA, ()),
}
#: Read when present (their presence in V7-V9 is unconfirmed, FORMATS.md); NaN otherwise.
OPTIONAL = {
    "RetrievedCOTotalColumnDiagnostics": (DATA, (2,)),
    "MeasurementErrorCovarianceMatrix": (DATA, (10, 10)),
    "SmoothingErrorCovarianceMatrix": (DATA, (10, 10)),
}
#: Error covariances of which only the diagonal is used (their traces, H19 Table 3): ingest keeps
#: the (n, 10) diagonal and checks fill on it alone, not on the 100 elements of each matrix.
DIAGONAL_ONLY = ("RetrievalErrorCovarianceMatrix", "MeasurementErrorCovarianceMatrix",
                 "SmoothingErrorCovarianceMatrix")
#: Physical ranges; a value outside its range in a required field rejects the file.
RANGES = {
    "Latitude": (-90.0, 90.0),
    "Longitude": (-180.0, 180.0),
    "SurfacePressure": (0.0, 1100.0),
    "SolarZenithAngle": (0.0, 180.0),
}


@dataclass(frozen=True)
class FileInfo:
    path: Path
    mode: str  # J, T or N
    date: dt.date
    version: str

    @property
    def version_key(self) -> tuple:
        return tuple(int(v) for v in self.version.split("."))


def parse_filename(path) -> FileInfo:
    path = Path(path)
    m = FILENAME_RE.match(path.name)
    if not m:
        raise BadInputError(path, "bad_filename",
                            "file name does not match MOP02J-YYYYMMDD-L2V<version>.he5")
    try:
        date = dt.datetime.strptime(m.group(2), "%Y%m%d").date()
    except ValueError:
        raise BadInputError(path, "bad_filename", f"invalid date {m.group(2)!r} in file name") from None
    return FileInfo(path, m.group(1), date, m.group(3))


def versions_per_day(infos: list[FileInfo]) -> dict[dt.date, list[FileInfo]]:
    """The files of each day, newest processor version first."""
    by_day: dict[dt.date, list[FileInfo]] = {}
    for info in infos:
        by_day.setdefault(info.date, []).append(info)
    return {day: sorted(by_day[day], key=lambda i: (i.version_key, i.path.name), reverse=True)
            for day in sorted(by_day)}


def _fill_value(ds) -> float:
    for key in ("_FillValue", "FillValue"):
        if key in ds.attrs:
            return float(np.asarray(ds.attrs[key]).ravel()[0])
    return DEFAULT_FILL


#: Rows per block of the blocked passes over (n, 10, 10) arrays: about 1.6 MB of float32, so
#: that the temporaries stay in the CPU cache (issue #7: whole-array temporaries of the AKs cost
#: twice the time in memory traffic and page faults).
BLOCK_ROWS = 4096


def _read_diagonals(ds) -> np.ndarray:
    """The (n, 10) diagonals of an (n, 10, 10) dataset, read in row blocks through one reused
    buffer: the full matrices (876 MB a day for the three covariances at full density) are never
    held in memory."""
    n = ds.shape[0]
    out = np.empty((n, ds.shape[1]), dtype=ds.dtype)
    buf = np.empty((min(n, BLOCK_ROWS),) + ds.shape[1:], dtype=ds.dtype)
    for start in range(0, n, BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, n)
        view = buf[: stop - start]
        ds.read_direct(view, source_sel=np.s_[start:stop])
        out[start:stop] = np.diagonal(view, axis1=1, axis2=2)
    return out


def _fill_to_nan(arr: np.ndarray, fill: float) -> None:
    """Fill values and +-inf -> NaN, in place, in row blocks (same result as one whole-array pass)."""
    for start in range(0, len(arr), BLOCK_ROWS):
        v = arr[start:start + BLOCK_ROWS]
        bad = v == fill
        bad |= np.isinf(v)
        np.copyto(v, np.nan, where=bad)


def _read(f, path, name, group, trailing, n=None):
    full = f"{group}/{name}"
    if full not in f:
        raise BadInputError(path, "missing_dataset", "required dataset is missing", full)
    ds = f[full]
    if not isinstance(ds, h5py.Dataset):
        raise BadInputError(path, "bad_structure", "expected a dataset, found a group", full)
    if ds.dtype.kind not in "fiu":
        raise BadInputError(path, "bad_dtype", f"dataset has non-numeric dtype {ds.dtype}", full)
    if ds.shape[1:] != trailing or (n is not None and ds.shape[0] != n):
        want = ("nTime" if n is None else str(n),) + tuple(str(t) for t in trailing)
        raise BadInputError(path, "bad_shape",
                            f"dataset has shape {ds.shape}, expected ({', '.join(want)})", full)
    try:
        arr = _read_diagonals(ds) if name in DIAGONAL_ONLY else ds[()]
    except (OSError, RuntimeError) as exc:
        raise BadInputError(path, "unreadable", f"cannot read dataset: {exc}", full) from None
    fill = _fill_value(ds)
    arr = arr.astype(np.float64) if name == "Time" else arr.astype(np.float32, copy=False) if arr.dtype.kind == "f" else arr
    if not arr.flags.writeable:
        arr = arr.copy()
    if arr.dtype.kind == "f":
        _fill_to_nan(arr, fill)
    else:
        arr = np.where(arr == int(fill), -1, arr)
    return arr


def read_mop02(path) -> dict:
    """Read one MOP02 file: dict of product arrays (fill -> NaN) plus ``_info``; of the error
    covariances in ``DIAGONAL_ONLY`` only the (n, 10) diagonal is kept.

    Raises BadInputError for an unreadable or truncated file, a missing dataset, a dataset of
    the wrong shape or dtype, a file whose retrieved columns are all fill, values outside
    their physical range, pixel numbers outside 1-4, or times outside the file's UTC day.
    """
    info = parse_filename(path)
    path = info.path
    try:
        f = h5py.File(path, "r")
    except (OSError, ValueError) as exc:
        raise BadInputError(path, "unreadable", f"cannot open as HDF5 ({exc})") from None
    with f:
        lat = _read(f, path, "Latitude", GEO, ())
        n = lat.shape[0]
        out = {"Latitude": lat}
        for name, (group, trailing) in REQUIRED.items():
            if name != "Latitude":
                out[name] = _read(f, path, name, group, trailing, n)
        for name, (group, trailing) in OPTIONAL.items():
            if f"{group}/{name}" in f:
                out[name] = _read(f, path, name, group, trailing, n)
    if n == 0:
        raise BadInputError(path, "empty", "file holds no soundings", f"{GEO}/Latitude")
    col = out["RetrievedCOTotalColumn"][:, 0]
    if not np.isfinite(col).any():
        raise BadInputError(path, "all_fill", "every retrieved CO column is fill",
                            f"{DATA}/RetrievedCOTotalColumn")
    for name, (lo, hi) in RANGES.items():
        v = out[name]
        bad = np.isfinite(v) & ((v < lo) | (v > hi))
        if name == "SurfacePressure":
            bad |= np.isfinite(v) & (v <= 0)
        if bad.any():
            i = int(np.argmax(bad))
            raise BadInputError(path, "out_of_range",
                                f"{int(bad.sum())} values outside [{lo}, {hi}] (first at index {i}: {v[i]})",
                                f"{REQUIRED[name][0]}/{name}")
    pixel = out["SwathIndex"][:, 0]
    if ((pixel < 1) | (pixel > 4)).any():
        i = int(np.argmax((pixel < 1) | (pixel > 4)))
        raise BadInputError(path, "out_of_range", f"pixel number {pixel[i]} outside 1-4 at index {i}",
                            f"{DATA}/SwathIndex")
    unix = timeutil.tai93_to_unix(out["Time"])
    t0 = timeutil.day_start_unix(info.date)
    outside = ~np.isfinite(unix) | (unix < t0 - DAY_TOLERANCE_S) | (unix >= t0 + 86400.0 + DAY_TOLERANCE_S)
    if outside.any():
        i = int(np.argmax(outside))
        raise BadInputError(path, "time_outside_day",
                            f"{int(outside.sum())} sounding times outside {info.date} (first at index {i})",
                            f"{GEO}/Time")
    out["_unix_time"] = unix
    out["_info"] = info
    return out


def _trace(m):
    """Trace of each (10, 10) matrix, or sum of each (10,) diagonal (``DIAGONAL_ONLY``); NaN
    elements are left out."""
    m = np.asarray(m)
    return np.nansum(np.diagonal(m, axis1=1, axis2=2) if m.ndim == 3 else m, axis=1)


def _ak_sums(A: np.ndarray) -> np.ndarray:
    """u^T A u (sum of all elements, NaN left out) of each AK, in row blocks; equal to
    ``np.nansum(A, axis=(1, 2))``."""
    out = np.empty(len(A), dtype=np.result_type(A.dtype, np.float32))
    for start in range(0, len(A), BLOCK_ROWS):
        out[start:start + BLOCK_ROWS] = np.nansum(A[start:start + BLOCK_ROWS], axis=(1, 2))
    return out


def canonical(raw: dict) -> tuple[dict, dict]:
    """Canonical sounding table (scalars) and profile arrays from one file's raw arrays.

    Derived quantities follow H19 Table 3: XCO = 1e9 column / dry-air column (Eq. A1); SNRs as
    radiance / error; emissivity and surface temperature retrieved minus prior; mean AK =
    u^T A u / n_levels; max difference between adjacent retrieved levels; traces of the error
    covariances; solar airmass 1/cos(SZA) + 1/cos(VZA); the sum of the five anomaly flags.
    """
    n = raw["Latitude"].shape[0]
    dry = raw["DryAirColumn"].astype(np.float64)
    psurf = raw["SurfacePressure"].astype(np.float64)
    retrieved = np.concatenate([raw["RetrievedCOSurfaceMixingRatio"][:, None, 0],
                                raw["RetrievedCOMixingRatioProfile"][:, :, 0]], axis=1)
    retrieved_err = np.concatenate([raw["RetrievedCOSurfaceMixingRatio"][:, None, 1],
                                    raw["RetrievedCOMixingRatioProfile"][:, :, 1]], axis=1)
    prior = np.concatenate([raw["APrioriCOSurfaceMixingRatio"][:, None, 0],
                            raw["APrioriCOMixingRatioProfile"][:, :, 0]], axis=1)
    A = raw["RetrievalAveragingKernelMatrix"]
    valid = np.isfinite(retrieved)
    n_levels = valid.sum(axis=1)
    l1 = raw["Level1RadiancesandErrors"]

    def snr(key):
        e = L1_ELEMENT[key]
        with np.errstate(divide="ignore", invalid="ignore"):
            return (l1[:, e, 0] / l1[:, e, 1]).astype(np.float32)

    d = np.abs(np.diff(retrieved, axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        max_adj = np.where(np.isfinite(d).any(axis=1), np.nanmax(np.where(np.isfinite(d), d, -np.inf), axis=1), np.nan)
        mean_ak = _ak_sums(A) / n_levels
        airmass = 1.0 / np.cos(np.radians(raw["SolarZenithAngle"])) + 1.0 / np.cos(np.radians(raw["SatelliteZenithAngle"]))
    nanarr = np.full(n, np.nan, dtype=np.float32)
    # RetrievedCOTotalColumnDiagnostics: (smoothing, measurement) error of the column [check order].
    diag = raw.get("RetrievedCOTotalColumnDiagnostics")
    table = {
        "time": timeutil.unix_to_datetime64(raw["_unix_time"]),
        "lat": raw["Latitude"], "lon": raw["Longitude"],
        "pixel": raw["SwathIndex"][:, 0].astype(np.int8),
        "stare": raw["SwathIndex"][:, 1].astype(np.int16),
        "track": raw["SwathIndex"][:, 2].astype(np.int32),
        "surface": raw["SurfaceIndex"].astype(np.int8),
        "sza": raw["SolarZenithAngle"], "vza": raw["SatelliteZenithAngle"],
        "psurf": raw["SurfacePressure"], "dem": raw["DEMAltitude"],
        "xco": (1e9 * raw["RetrievedCOTotalColumn"][:, 0] / dry).astype(np.float32),
        "xco_err": (1e9 * raw["RetrievedCOTotalColumn"][:, 1] / dry).astype(np.float32),
        "xco_err_smoothing": (1e9 * diag[:, 0] / dry).astype(np.float32) if diag is not None else nanarr,
        "xco_err_measurement": (1e9 * diag[:, 1] / dry).astype(np.float32) if diag is not None else nanarr,
        "xco_prior": (1e9 * raw["APrioriCOTotalColumn"] / dry).astype(np.float32),
        "dof": raw["DegreesofFreedomforSignal"],
        "chi2": raw["SignalChi2"],
        "iterations": raw["RetrievalIterations"].astype(np.int16),
        "snr_5a": snr("5A"), "snr_6a": snr("6A"), "snr_7a": snr("7A"),
        "emis_diff": raw["RetrievedSurfaceEmissivity"][:, 0] - raw["APrioriSurfaceEmissivity"],
        "emis_err": raw["RetrievedSurfaceEmissivity"][:, 1],
        "tsurf_diff": raw["RetrievedSurfaceTemperature"][:, 0] - raw["APrioriSurfaceTemperature"],
        "modis_snow_ice": raw["MODISCloudDiagnostics"][:, MODIS_SNOW_ICE_ELEMENT],
        "anomaly_sum": np.nansum(raw["RetrievalAnomalyDiagnostic"], axis=1).astype(np.float32),
        "mean_ak": mean_ak.astype(np.float32),
        "max_adjacent_diff": max_adj.astype(np.float32),
        "trace_total_cov": _trace(raw["RetrievalErrorCovarianceMatrix"]).astype(np.float32),
        "trace_meas_cov": _trace(raw["MeasurementErrorCovarianceMatrix"]).astype(np.float32) if "MeasurementErrorCovarianceMatrix" in raw else nanarr,
        "trace_smooth_cov": _trace(raw["SmoothingErrorCovarianceMatrix"]).astype(np.float32) if "SmoothingErrorCovarianceMatrix" in raw else nanarr,
        "airmass": airmass.astype(np.float32),
        "cloud_description": raw["CloudDescription"].astype(np.int16),
        "n_levels": n_levels.astype(np.int8),
    }
    profiles = {  # (copy=False: most are float32 already; the AKs alone are 90 MB a day)
        "pressure": levels.level_pressures(psurf).astype(np.float32),
        "retrieved_vmr": retrieved.astype(np.float32, copy=False),
        "retrieved_vmr_err": retrieved_err.astype(np.float32, copy=False),
        "prior_vmr": prior.astype(np.float32, copy=False),
        "averaging_kernel": A.astype(np.float32, copy=False),
        "column_averaging_kernel": (raw["TotalColumnAveragingKernel"] * (1e9 / dry)[:, None]).astype(np.float32),
    }
    return table, profiles
