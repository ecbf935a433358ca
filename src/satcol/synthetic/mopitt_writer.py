"""Write MOPITT L2 (MOP02J) HDF-EOS5 files in the layout of the real V9 product.

The layout (group and dataset names, trailing shapes, dtypes, ``_FillValue`` and ``units``
attributes, gzip-5 compression in 500-row chunks of the multi-dimensional fields, the 10-level
fields packed with the surface in the slot of the highest fixed level below it) is that of the
real V9 granule described in docs/formats-mopitt.md; ``tests/instruments/mopitt/test_structure_mopitt.py`` compares
a written file with the real sample dataset by dataset, so that the two cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import h5py
import numpy as np

from satcol.instruments.mopitt import levels
from satcol.instruments.mopitt import reader as mopitt_io
from satcol.instruments.mopitt.format import DATA, FILL, GEO, SWATH  # noqa: F401 (SWATH: old name)

#: Rows per chunk and gzip level of the real sample's multi-dimensional fields.
CHUNK_ROWS = 500
GZIP_LEVEL = 5

#: name -> (group, trailing shape, dtype, units) of every dataset of the real V9 file (NCO's
#: dimension scales left out). Shapes: ``None`` = a fixed array, written whole.
SPEC = {
    "Latitude": (GEO, (), "f4", "degrees_north"),
    "Longitude": (GEO, (), "f4", "degrees_east"),
    "Time": (GEO, (), "f8", "s"),
    "SecondsinDay": (GEO, (), "f4", "s"),
    "Pressure": (GEO, None, "f4", "hPa"),
    "Pressure2": (GEO, None, "f4", "hPa"),
    "APrioriCOMixingRatioProfile": (DATA, (9, 2), "f4", "ppbv"),
    "APrioriCOSurfaceMixingRatio": (DATA, (2,), "f4", "ppbv"),
    "APrioriCOTotalColumn": (DATA, (), "f4", "mol/cm^2"),
    "APrioriSurfaceEmissivity": (DATA, (2,), "f4", "NA"),
    "APrioriSurfaceTemperature": (DATA, (2,), "f4", "K"),
    "AveragingKernelRowSums": (DATA, (10,), "f4", "NA"),
    "CloudDescription": (DATA, (), "i4", "NA"),
    "DEMAltitude": (DATA, (), "f4", "m"),
    "DailyGainDev": (DATA, None, "f4", "W/m^2str"),
    "DegreesofFreedomforSignal": (DATA, (), "f4", "NA"),
    "DryAirColumn": (DATA, (), "f4", "mol/cm^2"),
    "L2RadianceCorrectionFactor": (DATA, (12,), "f4", "NA"),
    "Level1RadiancesandErrors": (DATA, (12, 2), "f4", "W/m^2Sr"),
    "MODISCloudDiagnostics": (DATA, (12,), "f4", "NA"),
    "MOPCldRadRatio": (DATA, (), "f4", "NA"),
    "MeasurementErrorCovarianceMatrix": (DATA, (10, 10), "f4", "NA"),
    "PressureGrid": (DATA, None, "f4", "hPa"),
    "RetrievalAnomalyDiagnostic": (DATA, (5,), "i4", "NA"),
    "RetrievalAveragingKernelMatrix": (DATA, (10, 10), "f4", "NA"),
    "RetrievalErrorCovarianceMatrix": (DATA, (10, 10), "f4", "NA"),
    "RetrievalIterations": (DATA, (), "i4", "NA"),
    "RetrievedCOMixingRatioProfile": (DATA, (9, 2), "f4", "ppbv"),
    "RetrievedCOSurfaceMixingRatio": (DATA, (2,), "f4", "ppbv"),
    "RetrievedCOTotalColumn": (DATA, (2,), "f4", "mol/cm^2"),
    "RetrievedCOTotalColumnDiagnostics": (DATA, (2,), "f4", "NA"),
    "RetrievedSurfaceEmissivity": (DATA, (2,), "f4", "NA"),
    "RetrievedSurfaceTemperature": (DATA, (2,), "f4", "K"),
    "SatelliteZenithAngle": (DATA, (), "f4", "deg"),
    "SignalChi2": (DATA, (), "f4", "NA"),
    "SmoothingErrorCovarianceMatrix": (DATA, (10, 10), "f4", "NA"),
    "SolarZenithAngle": (DATA, (), "f4", "deg"),
    "SurfaceIndex": (DATA, (), "i4", "NA"),
    "SurfacePressure": (DATA, (), "f4", "hPa"),
    "SwathIndex": (DATA, (3,), "i4", "NA"),
    "TotalColumnAveragingKernel": (DATA, (10,), "f4", "mol/(cm^2 log(VMR))"),
    "TotalColumnAveragingKernelDimless": (DATA, (10,), "f4", "NA"),
    "WaterVaporColumn": (DATA, (), "f4", "mol/cm^2"),
}
#: Fixed arrays the writer supplies when the fields do not.
FIXED = {
    "Pressure": levels.PRESSURE_GRID,
    "Pressure2": np.r_[1000.0, levels.PRESSURE_GRID],
    "PressureGrid": levels.PRESSURE_GRID,
}
#: 10-level fields the real product stores packed (the surface in the slot of the highest fixed
#: level at or below it); the generator produces them in satcol's slot order.
PACKED = ("RetrievalAveragingKernelMatrix", "MeasurementErrorCovarianceMatrix",
          "SmoothingErrorCovarianceMatrix", "RetrievalErrorCovarianceMatrix",
          "TotalColumnAveragingKernel", "TotalColumnAveragingKernelDimless", "AveragingKernelRowSums")


def file_name(day: dt.date, version: str) -> str:
    """MOP02J-YYYYMMDD-L2V<version>.he5, the real naming pattern (a beta carries ``.beta``
    in ``version``, e.g. ``19.9.3.beta``)."""
    return f"MOP02J-{day:%Y%m%d}-L2V{version}.he5"


def _struct_metadata(n: int) -> str:
    return (
        "GROUP=SwathStructure\n\tGROUP=SWATH_1\n\t\tSwathName=\"MOP02\"\n"
        f"\t\tGROUP=Dimension\n\t\t\tOBJECT=Dimension_1\n\t\t\t\tDimensionName=\"nTime\"\n\t\t\t\tSize={n}\n"
        "\t\t\tEND_OBJECT=Dimension_1\n\t\t\tOBJECT=Dimension_2\n\t\t\t\tDimensionName=\"nPrs\"\n\t\t\t\tSize=9\n"
        "\t\t\tEND_OBJECT=Dimension_2\n\t\t\tOBJECT=Dimension_3\n\t\t\t\tDimensionName=\"nPrs2\"\n\t\t\t\tSize=10\n"
        "\t\t\tEND_OBJECT=Dimension_3\n\t\tEND_GROUP=Dimension\n\tEND_GROUP=SWATH_1\nEND_GROUP=SwathStructure\nEND\n"
    )


def pack_levels(arr: np.ndarray, psurf: np.ndarray) -> np.ndarray:
    """Slot order (surface in slot 0, fixed level j in slot j) -> the product's packed order
    (surface in slot k, k = number of fixed levels at or below the surface; slots 0..k-1 NaN).
    The inverse of the reader's re-indexing (:func:`satcol.instruments.mopitt.reader._surface_to_slot_zero`)."""
    arr = np.array(arr, dtype=np.float64, copy=True)
    k = mopitt_io.packed_surface_index(psurf)
    rows = np.nonzero(k > 0)[0]
    if rows.size == 0:
        return arr
    nl = levels.N_LEVELS
    # packed index p holds slot perm[p]: p = k holds slot 0; p > k holds slot p; p < k is empty.
    perm = np.broadcast_to(np.arange(nl), (rows.size, nl)).copy()
    perm[np.arange(rows.size), k[rows]] = 0
    arr[rows] = mopitt_io.permute_levels(arr[rows], perm, np.arange(nl)[None, :] < k[rows, None])
    return arr


def write_mop02(path, fields: dict, day: dt.date, version: str) -> Path:
    """Write one day's fields in the V9 layout of :data:`SPEC`. NaN becomes the fill value;
    fields not in :data:`SPEC` are refused; :data:`FIXED` arrays are added when absent.
    Written to a temporary name first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    unknown = sorted(set(fields) - set(SPEC))
    if unknown:
        raise ValueError(f"fields not in the MOPITT V9 layout: {unknown}")
    tmp = path.with_name(path.name + ".part")
    n = int(np.asarray(fields["Latitude"]).shape[0])
    psurf = np.asarray(fields["SurfacePressure"], dtype=np.float64)
    with h5py.File(tmp, "w") as f:
        info = f.create_group("HDFEOS INFORMATION")
        info.attrs["HDFEOSVersion"] = np.bytes_("HDFEOS_5.1.16")
        info.create_dataset("StructMetadata.0", data=np.bytes_(_struct_metadata(n)))
        attrs = f.require_group("HDFEOS/ADDITIONAL/FILE_ATTRIBUTES")
        attrs.attrs["TimeCount"] = np.array([n], dtype=np.int32)
        attrs.attrs["missing_nodata"] = np.array([FILL], dtype=np.float32)
        attrs.attrs["Year"] = np.array([day.year], dtype=np.int32)
        attrs.attrs["Month"] = np.array([day.month], dtype=np.int32)
        attrs.attrs["Day"] = np.array([day.day], dtype=np.int32)
        sec = np.asarray(fields.get("SecondsinDay", [0.0]), dtype=np.float64)
        start = dt.datetime(day.year, day.month, day.day) + dt.timedelta(seconds=float(sec[0]) if sec.size else 0.0)
        attrs.attrs["StartDateTime"] = np.bytes_(start.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")
        attrs.attrs["title"] = np.bytes_("MOPITT Level 2 joint TIR-NIR retrievals (satcol synthetic OSSE)")
        attrs.attrs["institution"] = np.bytes_("satcol synthetic observing-system simulation")
        f.require_group(GEO)
        f.require_group(DATA)
        for name, (group, trailing, dtype, units) in SPEC.items():
            if name in fields:
                value = fields[name]
            elif name in FIXED:
                value = FIXED[name]
            else:
                continue
            arr = np.asarray(value)
            if name in PACKED:
                arr = pack_levels(arr, psurf)
            if np.dtype(dtype).kind == "f":
                arr = np.where(np.isfinite(arr), arr, FILL).astype(dtype)
            else:
                arr = np.where(np.isfinite(arr), arr, FILL).astype(dtype) if arr.dtype.kind == "f" else arr.astype(dtype)
            if trailing is not None and arr.shape != (n,) + trailing:
                raise ValueError(f"{name}: shape {arr.shape}, the V9 layout has {(n,) + trailing}")
            kw = {}
            if trailing is None:
                if arr.ndim > 1:
                    kw = {"chunks": arr.shape, "compression": "gzip", "compression_opts": GZIP_LEVEL}
            elif n > 0:
                kw = {"chunks": (min(CHUNK_ROWS, n),) + trailing}
                if trailing:
                    kw.update(compression="gzip", compression_opts=GZIP_LEVEL)
            ds = f[group].create_dataset(name, data=arr, **kw)
            ds.attrs["_FillValue"] = np.array([FILL], dtype=dtype)
            ds.attrs["units"] = np.bytes_(units)
    os.replace(tmp, path)
    return path
