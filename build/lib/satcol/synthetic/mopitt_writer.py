"""Write MOPITT L2 (MOP02J) HDF-EOS5 files with the real group/dataset names (FORMATS.md)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import h5py
import numpy as np

FILL = -9999.0
SWATH = "HDFEOS/SWATHS/MOP02"
GEO = f"{SWATH}/Geolocation Fields"
DATA = f"{SWATH}/Data Fields"
GEO_FIELDS = ("Latitude", "Longitude", "Time", "SecondsinDay")

UNITS = {
    "Latitude": "deg", "Longitude": "deg", "Time": "s", "SecondsinDay": "s",
    "SolarZenithAngle": "deg", "SatelliteZenithAngle": "deg", "SurfacePressure": "hPa",
    "PressureGrid": "hPa", "DEMAltitude": "m", "RetrievedCOTotalColumn": "mol/cm^2",
    "APrioriCOTotalColumn": "mol/cm^2", "DryAirColumn": "mol/cm^2", "WaterVaporColumn": "mol/cm^2",
    "RetrievedCOSurfaceMixingRatio": "ppbv", "RetrievedCOMixingRatioProfile": "ppbv",
    "APrioriCOSurfaceMixingRatio": "ppbv", "APrioriCOMixingRatioProfile": "ppbv",
    "RetrievedCOLowerTropColumn": "mol/cm^2", "TotalColumnAveragingKernel": "mol/(cm^2 log(VMR))",
    "RetrievedCOTotalColumnDiagnostics": "mol/cm^2", "RetrievedSurfaceTemperature": "K",
    "APrioriSurfaceTemperature": "K",
}
FLOAT64 = ("Time",)


def file_name(day: dt.date, version: str) -> str:
    """MOP02J-YYYYMMDD-L2V<version>.he5, the real naming pattern."""
    return f"MOP02J-{day:%Y%m%d}-L2V{version}.he5"


def _struct_metadata(n: int) -> str:
    return (
        "GROUP=SwathStructure\n\tGROUP=SWATH_1\n\t\tSwathName=\"MOP02\"\n"
        f"\t\tGROUP=Dimension\n\t\t\tOBJECT=Dimension_1\n\t\t\t\tDimensionName=\"nTime\"\n\t\t\t\tSize={n}\n"
        "\t\t\tEND_OBJECT=Dimension_1\n\t\t\tOBJECT=Dimension_2\n\t\t\t\tDimensionName=\"nPrs\"\n\t\t\t\tSize=9\n"
        "\t\t\tEND_OBJECT=Dimension_2\n\t\t\tOBJECT=Dimension_3\n\t\t\t\tDimensionName=\"nPrs2\"\n\t\t\t\tSize=10\n"
        "\t\t\tEND_OBJECT=Dimension_3\n\t\tEND_GROUP=Dimension\n\tEND_GROUP=SWATH_1\nEND_GROUP=SwathStructure\nEND\n"
    )


def write_mop02(path, fields: dict, day: dt.date, version: str) -> Path:
    """Write one day's fields. NaN becomes the fill value. Written to a temporary name first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    n = int(np.asarray(fields["Latitude"]).shape[0])
    with h5py.File(tmp, "w") as f:
        info = f.create_group("HDFEOS INFORMATION")
        info.attrs["HDFEOSVersion"] = np.bytes_("HDFEOS_5.1.15")
        info.create_dataset("StructMetadata.0", data=np.bytes_(_struct_metadata(n)))
        attrs = f.require_group("HDFEOS/ADDITIONAL/FILE_ATTRIBUTES")
        attrs.attrs["Year"] = np.int32(day.year)
        attrs.attrs["Month"] = np.int32(day.month)
        attrs.attrs["Day"] = np.int32(day.day)
        attrs.attrs["title"] = np.bytes_("MOPITT Level 2 joint TIR-NIR retrievals (satcol synthetic OSSE)")
        attrs.attrs["institution"] = np.bytes_("satcol synthetic observing-system simulation")
        attrs.attrs["ProductVersion"] = np.bytes_(version)
        f.require_group(GEO)
        f.require_group(DATA)
        for name, value in fields.items():
            group = GEO if name in GEO_FIELDS else DATA
            arr = np.asarray(value)
            if np.issubdtype(arr.dtype, np.floating):
                arr = np.where(np.isfinite(arr), arr, FILL).astype(np.float64 if name in FLOAT64 else np.float32)
            else:
                arr = arr.astype(np.int32)
            ds = f[group].create_dataset(name, data=arr)
            ds.attrs["_FillValue"] = np.array(FILL, dtype=arr.dtype)
            if name in UNITS:
                ds.attrs["units"] = np.bytes_(UNITS[name])
    os.replace(tmp, path)
    return path
