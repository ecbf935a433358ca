"""Read MOPITT L2 (MOP02J/T/N) HDF-EOS5 files into canonical arrays.

Dataset names, shapes and fill conventions follow the MOPITT L2 file specification as
summarised in docs/formats.md. Every dataset is read whole (one h5py read per dataset, no
per-sounding Python), except the error covariances, of which only the diagonals are kept: they
are read in row blocks. Problems raise :class:`satcol.core.errors.BadInputError` naming the file and
dataset.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from satcol.core import store_profiles, timeutil
from satcol.core.errors import BadInputError

# versions_per_day: the files of each day, newest processor version first (the rule of every
# instrument). The format constants are defined once, with the MOPITT instrument; the old names
# stay importable from here.
from satcol.instruments.base import versions_per_day  # noqa: F401
from satcol.instruments.mopitt import levels
from satcol.instruments.mopitt.format import (
    DATA,
    FILENAME_RE,
    GEO,
    LAYOUTS,
    Layout,
)  # noqa: F401
from satcol.instruments.mopitt.format import FILL as DEFAULT_FILL

#: Seconds a sounding may lie outside its file's UTC day before the file is rejected.
DAY_TOLERANCE_S = 60.0


#: name -> (group, trailing shape) of every dataset ingest needs; the version-dependent shapes
#: (MODISCloudDiagnostics, the a priori surface pairs) come from :data:`LAYOUTS`.
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
    "MODISCloudDiagnostics": (DATA, None),
    "RetrievedSurfaceTemperature": (DATA, (2,)),
    "APrioriSurfaceTemperature": (DATA, None),
    "RetrievedSurfaceEmissivity": (DATA, (2,)),
    "APrioriSurfaceEmissivity": (DATA, None),
    "CloudDescription": (DATA, ()),
}
#: Read when present (their presence in V7-V8 is unconfirmed; the real V9 file has all three);
#: NaN otherwise.
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
    version: str  # e.g. "19.9.3", without ".beta"
    beta: bool = False

    @property
    def version_key(self) -> tuple:
        """Sort key: processor version, and a released file after the beta of the same version."""
        return tuple(int(v) for v in self.version.split(".")) + (0 if self.beta else 1,)

    @property
    def product(self) -> int:
        """MOPITT product version (7, 8, 9): the first number of the file's version less 10."""
        return int(self.version.split(".")[0]) - 10

    @property
    def layout(self) -> Layout:
        """The dataset layout of this product version; BadInputError for a version satcol does
        not read."""
        if self.product not in LAYOUTS:
            raise BadInputError(self.path, "unsupported_format",
                                f"MOPITT product version {self.product} (L2V{self.version}) is not supported; "
                                f"satcol reads V{min(LAYOUTS)}-V{max(LAYOUTS)} (L2V{min(LAYOUTS) + 10}.x-"
                                f"L2V{max(LAYOUTS) + 10}.x)")
        return LAYOUTS[self.product]


def parse_filename(path) -> FileInfo:
    """File name -> :class:`FileInfo`; BadInputError (``bad_filename``) for any other name."""
    path = Path(path)
    m = FILENAME_RE.match(path.name)
    if not m:
        raise BadInputError(path, "bad_filename",
                            "file name does not match MOP02{J,T,N}-YYYYMMDD-L2V<version>[.beta].he5")
    try:
        date = dt.datetime.strptime(m.group(2), "%Y%m%d").date()
    except ValueError:
        raise BadInputError(path, "bad_filename", f"invalid date {m.group(2)!r} in file name") from None
    return FileInfo(path, m.group(1), date, m.group(3), m.group(4) is not None)


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
    """One dataset, fill -> NaN (floats) or -1 (integers). ``trailing``: the expected trailing
    shape, or a tuple of accepted ones."""
    accepted = trailing if trailing and isinstance(trailing[0], tuple) else (trailing,)
    full = f"{group}/{name}"
    if full not in f:
        raise BadInputError(path, "missing_dataset", "required dataset is missing", full)
    ds = f[full]
    if not isinstance(ds, h5py.Dataset):
        raise BadInputError(path, "bad_structure", "expected a dataset, found a group", full)
    if ds.dtype.kind not in "fiu":
        raise BadInputError(path, "bad_dtype", f"dataset has non-numeric dtype {ds.dtype}", full)
    if ds.shape[1:] not in accepted or (n is not None and ds.shape[0] != n):
        first = "nTime" if n is None else str(n)
        want = " or ".join("(" + ", ".join((first,) + tuple(str(t) for t in a)) + ")" for a in accepted)
        raise BadInputError(path, "bad_shape", f"dataset has shape {ds.shape}, expected {want}", full)
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


#: 10-level datasets that store the retrieved levels as the trailing block of their 10 slots
#: (the surface level in the slot of the highest fixed level below the surface), unlike the
#: profiles, whose fixed levels keep their own slots (docs/formats-mopitt.md, "level order").
PACKED_LEVEL_FIELDS = ("RetrievalAveragingKernelMatrix", "TotalColumnAveragingKernel",
                       "RetrievalErrorCovarianceMatrix", "MeasurementErrorCovarianceMatrix",
                       "SmoothingErrorCovarianceMatrix")


def packed_surface_index(psurf) -> np.ndarray:
    """k per sounding: the number of fixed levels (PRESSURE_GRID) at or below the surface, which
    is the index of the surface level in the product's packed 10-level fields."""
    return np.sum(levels.PRESSURE_GRID[None, :] >= np.asarray(psurf)[:, None], axis=1)


def permute_levels(sub: np.ndarray, perm: np.ndarray, blank: np.ndarray) -> np.ndarray:
    """Each row of ``sub`` ((m, 10), or (m, 10, 10) with both level dimensions) gathered along
    its level dimension(s) by ``perm`` (m, 10), and NaN where ``blank`` (m, 10) marks a level
    (its row and column for a matrix). Used to unpack (:func:`_surface_to_slot_zero`) and to pack
    (:func:`satcol.synthetic.mopitt_writer.pack_levels`) the 10-level fields."""
    if sub.ndim == 2:
        out = np.take_along_axis(sub, perm, axis=1)
        out[blank] = np.nan
    else:
        out = np.take_along_axis(np.take_along_axis(sub, perm[:, :, None], axis=1), perm[:, None, :], axis=2)
        out[blank[:, :, None] | blank[:, None, :]] = np.nan
    return out


def _surface_to_slot_zero(out: dict) -> None:
    """Re-index the level dimension(s) of :data:`PACKED_LEVEL_FIELDS` to satcol's slot order, in
    place: slot 0 the surface, slot j the fixed level PRESSURE_GRID[j-1], NaN where not retrieved.

    In the real files, with k fixed levels at or below the surface (surface pressure <= 900 hPa:
    k >= 1), the surface level's row and column sit at index k and indices 0..k-1 are fill (e.g.
    surface 823 hPa: AK row 0 fill, rows 1-9 surface, 800, ..., 100 hPa). Only the soundings with
    k >= 1 are touched.
    """
    k = packed_surface_index(out["SurfacePressure"])
    rows = np.nonzero(k > 0)[0]
    if rows.size == 0:
        return
    nl = levels.N_LEVELS
    perm = np.broadcast_to(np.arange(nl), (rows.size, nl)).copy()
    perm[:, 0] = k[rows]
    dropped = (np.arange(nl)[None, :] >= 1) & (np.arange(nl)[None, :] <= k[rows, None])
    for name in PACKED_LEVEL_FIELDS:
        if name in out:
            out[name][rows] = permute_levels(out[name][rows], perm, dropped)


def read_mop02(path) -> dict:
    """Read one MOP02 file: dict of product arrays (fill -> NaN) plus ``_info``; of the error
    covariances in ``DIAGONAL_ONLY`` only the (n, 10) diagonal is kept.

    Raises BadInputError for an unreadable or truncated file, a missing dataset, a dataset of
    the wrong shape or dtype, a file whose retrieved columns are all fill, values outside
    their physical range, pixel numbers outside 1-4, or times outside the file's UTC day.
    """
    info = parse_filename(path)
    path = info.path
    layout = info.layout
    version_shapes = {"MODISCloudDiagnostics": (layout.n_modis,),
                      "APrioriSurfaceEmissivity": layout.apriori_shapes,
                      "APrioriSurfaceTemperature": layout.apriori_shapes}
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
                out[name] = _read(f, path, name, group, version_shapes.get(name, trailing), n)
        for name, (group, trailing) in OPTIONAL.items():
            if f"{group}/{name}" in f:
                out[name] = _read(f, path, name, group, trailing, n)
    _surface_to_slot_zero(out)
    for name in ("APrioriSurfaceEmissivity", "APrioriSurfaceTemperature"):
        if out[name].ndim == 2:  # (value, error) pairs (V9); the value is what satcol uses
            out[name + "Error"] = out[name][:, 1]
            out[name] = out[name][:, 0]
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


def _ppb(column, dry) -> np.ndarray:
    """1e9 column / dry-air column (H19 Eq. A1) computed in float64, rounded once to float32."""
    return (1e9 * np.asarray(column, dtype=np.float64) / dry).astype(np.float32)


def _anomaly_sum(flags) -> np.ndarray:
    """Sum of the five RetrievalAnomalyDiagnostic flags (H19 Table 3); fill elements (-1 after
    :func:`_read`, or NaN) are left out, and a sounding whose five flags are all fill gets NaN."""
    f = np.asarray(flags, dtype=np.float32)
    f = np.where(f < 0, np.nan, f)
    out = np.nansum(f, axis=1)
    return np.where(np.isfinite(f).any(axis=1), out, np.nan).astype(np.float32)


def _ak_sums(A: np.ndarray) -> np.ndarray:
    """u^T A u (sum of all elements, NaN left out) of each AK, in row blocks; equal to
    ``np.nansum(A, axis=(1, 2))``."""
    out = np.empty(len(A), dtype=np.result_type(A.dtype, np.float32))
    for start in range(0, len(A), BLOCK_ROWS):
        out[start:start + BLOCK_ROWS] = np.nansum(A[start:start + BLOCK_ROWS], axis=(1, 2))
    return out


def max_adjacent_retrieved_difference(vmr) -> np.ndarray:
    """max_i |x_(i+1) - x_i| over adjacent *retrieved* levels (H19 Table 3, "max. diff. between
    adj. levels"), in the units of ``vmr`` (ppb).

    ``vmr`` (..., 10) in product slot order with NaN in the slots that are not retrieved. Empty
    slots are skipped, not differenced: with a surface at 850 hPa the 900 hPa slot is empty and
    the surface-to-800 hPa step is the first difference ([200, NaN, 80, 78, ...] gives 120).
    NaN where fewer than two levels are retrieved. Vectorized: each retrieved slot is paired
    with the nearest retrieved slot below it through a running maximum of slot indices.
    """
    x = np.asarray(vmr)
    valid = np.isfinite(x)
    k = x.shape[-1]
    idx = np.where(valid, np.arange(k), -1)
    last = np.maximum.accumulate(idx, axis=-1)  # latest retrieved slot at or below each slot
    prev = np.concatenate([np.full(x.shape[:-1] + (1,), -1), last[..., :-1]], axis=-1)
    pair = valid & (prev >= 0)
    below = np.take_along_axis(x, np.maximum(prev, 0), axis=-1)
    d = np.where(pair, np.abs(x - below), -np.inf)
    out = d.max(axis=-1)
    return np.where(pair.any(axis=-1), out, np.nan)


def canonical(raw: dict) -> tuple[dict, dict]:
    """Canonical sounding table (scalars) and profile arrays from one file's raw arrays.

    Derived quantities follow H19 Table 3: XCO = 1e9 column / dry-air column (Eq. A1); SNRs as
    radiance / error; emissivity and surface temperature retrieved minus prior; mean AK =
    u^T A u / n_levels; max difference between adjacent retrieved levels; traces of the error
    covariances; solar airmass 1/cos(SZA) + 1/cos(VZA); the sum of the five anomaly flags.
    """
    n = raw["Latitude"].shape[0]
    dry = raw["DryAirColumn"].astype(np.float64)
    retrieved, retrieved_err, prior = _slot_profiles(raw)
    A = raw["RetrievalAveragingKernelMatrix"]
    valid = np.isfinite(retrieved)
    n_levels = valid.sum(axis=1)
    l1 = raw["Level1RadiancesandErrors"]
    layout = raw["_info"].layout

    def snr(key):
        e = layout.l1_element[key]
        if e is None:  # not in this product version (Layout.absent says why)
            return np.full(n, np.nan, dtype=np.float32)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (l1[:, e, 0] / l1[:, e, 1]).astype(np.float32)

    with np.errstate(invalid="ignore", divide="ignore"):
        max_adj = max_adjacent_retrieved_difference(retrieved)
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
        "xgas": _ppb(raw["RetrievedCOTotalColumn"][:, 0], dry),
        "xgas_error": _ppb(raw["RetrievedCOTotalColumn"][:, 1], dry),
        "xgas_error_smoothing": _ppb(diag[:, 0], dry) if diag is not None else nanarr,
        "xgas_error_measurement": _ppb(diag[:, 1], dry) if diag is not None else nanarr,
        "xgas_prior": _ppb(raw["APrioriCOTotalColumn"], dry),
        "dof": raw["DegreesofFreedomforSignal"],
        "chi2": raw["SignalChi2"],
        "iterations": raw["RetrievalIterations"].astype(np.int16),
        "snr_5a": snr("5A"), "snr_6a": snr("6A"), "snr_7a": snr("7A"),
        "emis_diff": raw["RetrievedSurfaceEmissivity"][:, 0] - raw["APrioriSurfaceEmissivity"],
        "emis_err": raw["RetrievedSurfaceEmissivity"][:, 1],
        "tsurf_diff": raw["RetrievedSurfaceTemperature"][:, 0] - raw["APrioriSurfaceTemperature"],
        "modis_snow_ice": raw["MODISCloudDiagnostics"][:, layout.snow_ice_element],
        "anomaly_sum": _anomaly_sum(raw["RetrievalAnomalyDiagnostic"]),
        "mean_ak": mean_ak.astype(np.float32),
        "max_adjacent_diff": max_adj.astype(np.float32),
        "trace_total_cov": _trace(raw["RetrievalErrorCovarianceMatrix"]).astype(np.float32),
        "trace_meas_cov": _trace(raw["MeasurementErrorCovarianceMatrix"]).astype(np.float32) if "MeasurementErrorCovarianceMatrix" in raw else nanarr,
        "trace_smooth_cov": _trace(raw["SmoothingErrorCovarianceMatrix"]).astype(np.float32) if "SmoothingErrorCovarianceMatrix" in raw else nanarr,
        "airmass": airmass.astype(np.float32),
        "cloud_description": raw["CloudDescription"].astype(np.int16),
        "n_levels": n_levels.astype(np.int8),
    }
    return table, _profile_arrays(raw, retrieved, retrieved_err, prior)


def _slot_profiles(raw: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Retrieved VMR, its error and the prior VMR on satcol's 10 slots (surface value first)."""
    retrieved = np.concatenate([raw["RetrievedCOSurfaceMixingRatio"][:, None, 0],
                                raw["RetrievedCOMixingRatioProfile"][:, :, 0]], axis=1)
    retrieved_err = np.concatenate([raw["RetrievedCOSurfaceMixingRatio"][:, None, 1],
                                    raw["RetrievedCOMixingRatioProfile"][:, :, 1]], axis=1)
    prior = np.concatenate([raw["APrioriCOSurfaceMixingRatio"][:, None, 0],
                            raw["APrioriCOMixingRatioProfile"][:, :, 0]], axis=1)
    return retrieved, retrieved_err, prior


def _profile_arrays(raw: dict, retrieved, retrieved_err, prior) -> dict:
    """The canonical profile arrays (float32) from the raw arrays and :func:`_slot_profiles`:
    level pressures from the surface pressure (hPa), column kernel = TotalColumnAveragingKernel
    x 1e9 / DryAirColumn (1e-9 per log10 VMR)."""
    dry = raw["DryAirColumn"].astype(np.float64)
    return {  # (copy=False: most are float32 already; the AKs alone are 90 MB a day)
        "pressure": levels.level_pressures(raw["SurfacePressure"].astype(np.float64)).astype(np.float32),
        "retrieved_vmr": retrieved.astype(np.float32, copy=False),
        "retrieved_vmr_err": retrieved_err.astype(np.float32, copy=False),
        "prior_vmr": prior.astype(np.float32, copy=False),
        "averaging_kernel": raw["RetrievalAveragingKernelMatrix"].astype(np.float32, copy=False),
        "column_averaging_kernel": (raw["TotalColumnAveragingKernel"] * (1e9 / dry)[:, None]).astype(np.float32),
    }


#: Canonical sounding fields: name -> (units, meaning). The meaning of each product element they
#: come from is settled in docs/formats-mopitt.md.
CANONICAL_FIELDS = {
    "time": ("", "observation time (UTC), from Time (TAI seconds since 1993-01-01)"),
    "lat": ("degrees_north", "latitude of the footprint centre"),
    "lon": ("degrees_east", "longitude of the footprint centre"),
    "pixel": ("1", "MOPITT detector pixel 1-4 (SwathIndex[:, 0])"),
    "stare": ("1", "stare number within the track (SwathIndex[:, 1])"),
    "track": ("1", "cross-track scan number (SwathIndex[:, 2])"),
    "surface": ("1", "SurfaceIndex: 0 water, 1 land, 2 mixed"),
    "sza": ("degree", "solar zenith angle"),
    "vza": ("degree", "satellite zenith angle"),
    "psurf": ("hPa", "surface pressure"),
    "dem": ("m", "surface altitude (DEMAltitude)"),
    "xgas": ("1e-9", "column-average dry-air CO mole fraction, 1e9 RetrievedCOTotalColumn / DryAirColumn (H19 Eq. A1)"),
    "xgas_error": ("1e-9", "retrieval error of XCO (RetrievedCOTotalColumn[:, 1] scaled like XCO)"),
    "xgas_error_smoothing": ("1e-9", "RetrievedCOTotalColumnDiagnostics[:, 0] scaled like XCO (assumed the smoothing error)"),
    "xgas_error_measurement": ("1e-9", "RetrievedCOTotalColumnDiagnostics[:, 1] scaled like XCO (assumed the measurement error)"),
    "xgas_prior": ("1e-9", "a priori XCO, 1e9 APrioriCOTotalColumn / DryAirColumn"),
    "dof": ("1", "degrees of freedom for signal, tr(A)"),
    "chi2": ("1", "SignalChi2, goodness of fit"),
    "iterations": ("1", "retrieval iterations"),
    "snr_5a": ("1", "signal-to-noise ratio of TIR channel 5A (Level1RadiancesandErrors element 3)"),
    "snr_6a": ("1", "signal-to-noise ratio of NIR channel 6A (element 9; fill, so NaN, at night)"),
    "snr_7a": ("1", "signal-to-noise ratio of TIR channel 7A (V7/V8: element 5, assumed; V9: none, NaN)"),
    "emis_diff": ("1", "retrieved minus a priori surface emissivity"),
    "emis_err": ("1", "retrieval error of the surface emissivity"),
    "tsurf_diff": ("K", "retrieved minus a priori surface temperature"),
    "modis_snow_ice": ("1", "MODIS snow/ice-free fraction of the footprint, 0-1, 1 = free of snow and ice "
                            "(H19's 'MODIS cloud diagnostic 5'; V9: MODISCloudDiagnostics element 6)"),
    "anomaly_sum": ("1", "sum of the five RetrievalAnomalyDiagnostic flags"),
    "mean_ak": ("1", "u^T A u / number of retrieved levels (H19 Table 3)"),
    "max_adjacent_diff": ("1e-9", "largest |difference| between adjacent retrieved levels of the CO profile"),
    "trace_total_cov": ("1", "trace of the retrieval error covariance, (log10 VMR)^2"),
    "trace_meas_cov": ("1", "trace of the measurement error covariance, (log10 VMR)^2"),
    "trace_smooth_cov": ("1", "trace of the smoothing error covariance, (log10 VMR)^2"),
    "airmass": ("1", "solar airmass 1/cos(SZA) + 1/cos(VZA)"),
    "cloud_description": ("1", "CloudDescription code 1-6"),
    "n_levels": ("1", "number of retrieved levels (surface + fixed levels above it)"),
}
#: Profile fields on satcol's 10 level slots (slot 0 the surface, slot j the fixed level
#: PRESSURE_GRID[j-1]; NaN where not retrieved): name -> (units, meaning).
PROFILE_FIELDS = {
    "pressure": ("hPa", "pressure of the level slot"),
    "retrieved_vmr": ("1e-9", "retrieved CO mixing ratio of the layer above the level"),
    "retrieved_vmr_err": ("1e-9", "retrieval error of retrieved_vmr"),
    "prior_vmr": ("1e-9", "a priori CO mixing ratio of the layer above the level"),
    "averaging_kernel": ("1", "averaging kernel in log10 VMR, row = retrieved level, column = true level"),
    "column_averaging_kernel": ("1e-9", "XCO change per unit log10 VMR change at each level "
                                        "(TotalColumnAveragingKernel * 1e9 / DryAirColumn)"),
}


def open_mopitt(path):
    """Open one MOPITT L2 file as an :class:`xarray.Dataset` with satcol's canonical names and
    units, read by the same code as ingest (:func:`read_mop02`, :func:`canonical`).

    Parameters
    ----------
    path : str or Path
        A MOP02J/T/N file, V7-V9 (``MOP02J-YYYYMMDD-L2V<version>[.beta].he5``).

    Returns
    -------
    xarray.Dataset
        Dimension ``sounding`` (every sounding of the file, in file order) and ``level`` (the 10
        slots, surface first; the averaging kernel's columns on ``level_true``); the fields of
        :data:`CANONICAL_FIELDS` and :data:`PROFILE_FIELDS` with ``units`` and ``long_name``;
        ``qc`` with the ingest bit ``input_fill`` where a value the pipeline needs is missing.
        A field the product version does not have is NaN, with the reason in its ``comment``.

    Raises
    ------
    satcol.core.errors.BadInputError
        As ingest does, naming the file and the dataset.
    """
    import xarray as xr

    from satcol.instruments.mopitt import qc as qcmod
    from satcol.instruments.mopitt.instrument import input_fill_mask

    raw = read_mop02(path)
    info = raw["_info"]
    table, profiles = canonical(raw)
    qc = np.zeros(len(table["xgas"]), dtype=qcmod.QC_DTYPE)
    qcmod.set_bit(qc, "input_fill", input_fill_mask(table, profiles))
    data = {}
    for name, arr in table.items():
        units, meaning = CANONICAL_FIELDS[name]
        attrs = {"long_name": meaning} | ({"units": units} if units else {})
        if name in info.layout.absent:
            attrs["comment"] = info.layout.absent[name]
        data[name] = ("sounding", arr, attrs)
    for name, arr in profiles.items():
        units, meaning = PROFILE_FIELDS[name]
        dims = ("sounding", "level", "level_true") if arr.ndim == 3 else ("sounding", "level")
        data[name] = (dims, arr, {"units": units, "long_name": meaning})
    data["qc"] = ("sounding", qc, {"long_name": "satcol QC bits set on reading",
                                    "flag_masks": np.array([qcmod.mask_of("input_fill")], dtype=qcmod.QC_DTYPE),
                                    "flag_meanings": "input_fill"})
    coords = {name: data.pop(name) for name in ("time", "lat", "lon")}
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update({"source_file": str(info.path), "mopitt_mode": info.mode,
                     "product_version": info.product, "processor_version": info.version,
                     "beta": int(info.beta), "date": info.date.isoformat(),
                     "satcol_species": "co", "satcol_species_comment": "xgas* hold the column average of CO (XCO)"})
    return ds


def profile_rows(path, rows: np.ndarray, n_expected: int | None = None) -> dict:
    """The canonical profile arrays (:data:`satcol.instruments.mopitt.instrument.PROFILE_VARS`)
    of the soundings at ``rows`` (sorted, unique indices in file order) of one MOP02 file,
    decoded as ingest decodes them (:func:`read_mop02` and :func:`canonical`): fill and +-inf to NaN, the packed 10-level fields
    (averaging kernel, column kernel) re-indexed to satcol's slots, pressure of the slots from
    the surface pressure (hPa), column kernel = TotalColumnAveragingKernel x 1e9 / DryAirColumn
    (1e-9 per log10 VMR). Only the chunks holding ``rows`` are decompressed.

    ``n_expected``: the file's number of soundings at ingest; a file of another length is
    refused (:class:`~satcol.core.errors.BadInputError` naming the file and ``Latitude``).
    """
    path = Path(path)
    rows = np.asarray(rows, dtype=np.int64)
    try:
        f = h5py.File(path, "r")
    except (OSError, ValueError) as exc:
        raise BadInputError(path, "unreadable", f"cannot open the L2 file the store's profiles point to ({exc})") from None
    raw = {}
    with f:
        lat = f"{GEO}/Latitude"
        if lat not in f:
            raise BadInputError(path, "missing_dataset", "required dataset is missing", lat)
        if n_expected is not None and f[lat].shape[0] != n_expected:
            raise BadInputError(path, "source_changed", f"file holds {f[lat].shape[0]} soundings, the store was "
                                f"ingested from {n_expected}: re-ingest the month", lat)
        for name in ("SurfacePressure", "DryAirColumn", "RetrievedCOSurfaceMixingRatio", "RetrievedCOMixingRatioProfile",
                     "APrioriCOSurfaceMixingRatio", "APrioriCOMixingRatioProfile",
                     "RetrievalAveragingKernelMatrix", "TotalColumnAveragingKernel"):
            full = f"{DATA}/{name}"
            if full not in f:
                raise BadInputError(path, "missing_dataset", "required dataset is missing", full)
            ds = f[full]
            try:
                arr = store_profiles.read_rows(ds, rows)
            except (OSError, RuntimeError) as exc:
                raise BadInputError(path, "unreadable", f"cannot read dataset: {exc}", full) from None
            arr = arr.astype(np.float32, copy=False)
            _fill_to_nan(arr, _fill_value(ds))
            raw[name] = arr
    _surface_to_slot_zero(raw)
    return _profile_arrays(raw, *_slot_profiles(raw))
