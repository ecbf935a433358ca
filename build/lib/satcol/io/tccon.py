"""Read TCCON public netCDF files (GGG2014 names) into per-site tables.

Keeps what the AK correction needs: time, XCO (public, WMO-scaled), its error, the unscaled
XCO (public x AICF, undoing the WMO scaling; the airmass-dependent correction cannot be undone
from public files), surface pressure, SZA, the daily prior profile and the column AK
interpolated to each measurement's SZA. Problems raise BadInputError naming file and variable.
"""

from __future__ import annotations

import re
from pathlib import Path

import netCDF4
import numpy as np

from ..errors import BadInputError

FILENAME_RE = re.compile(r"^([a-z]{2})(\d{8})_(\d{8})\.public(?:\.qc)?\.nc$")
REQUIRED_2014 = ("time", "xco_ppb", "xco_ppb_error", "pout_hPa", "asza_deg", "lat_deg", "long_deg",
                 "zobs_km", "prior_date_index", "prior_co", "prior_Pressure", "ak_co", "ak_P_hPa", "ak_zenith")
_PRESSURE_TO_HPA = {"hpa": 1.0, "mbar": 1.0, "atm": 1013.25, "pa": 0.01}


def site_of(path) -> str:
    m = FILENAME_RE.match(Path(path).name)
    if not m:
        raise BadInputError(path, "bad_filename", "file name does not match <id>YYYYMMDD_YYYYMMDD.public[.qc].nc")
    return m.group(1)


def _var(nc, path, name):
    if name not in nc.variables:
        raise BadInputError(path, "missing_variable", "required variable is missing", name)
    v = nc.variables[name]
    v.set_auto_mask(False)
    data = np.asarray(v[...])
    if data.dtype.kind not in "fiu":
        raise BadInputError(path, "bad_dtype", f"variable has non-numeric dtype {data.dtype}", name)
    fill = getattr(v, "_FillValue", None)
    if fill is not None and data.dtype.kind == "f":
        data = np.where(data == fill, np.nan, data)
    return v, data


def _pressure_hpa(v, data, path, name):
    units = str(getattr(v, "units", "hPa")).strip().lower()
    if units not in _PRESSURE_TO_HPA:
        raise BadInputError(path, "bad_units", f"unknown pressure units {units!r}", name)
    return data * _PRESSURE_TO_HPA[units]


def read_ggg2014(path, period=None) -> dict:
    """Read a GGG2014 public file; ``period`` = (start, end) POSIX seconds to keep, or None."""
    path = Path(path)
    site = site_of(path)
    try:
        nc = netCDF4.Dataset(path, "r")
    except (OSError, RuntimeError) as exc:
        raise BadInputError(path, "unreadable", f"cannot open as netCDF ({exc})") from None
    with nc:
        if "xco_ppb" not in nc.variables and "xco" in nc.variables:
            raise BadInputError(path, "unsupported_format",
                                "GGG2020 public files are not supported yet (GGG2014 names expected)", "xco")
        out = {}
        for name in REQUIRED_2014:
            v, data = _var(nc, path, name)
            if name in ("prior_Pressure", "ak_P_hPa", "pout_hPa"):
                data = _pressure_hpa(v, data, path, name)
            out[name] = data
            if name == "time":
                units = str(getattr(v, "units", ""))
                if not units.startswith("seconds since 1970-01-01"):
                    raise BadInputError(path, "bad_units", f"time units {units!r} not seconds since 1970-01-01", name)
            if name == "ak_co":
                out["_ak_dims"] = v.dimensions
        aicf = None
        if "xco_aicf" in nc.variables:
            aicf = _var(nc, path, "xco_aicf")[1]
        elif "aicf" in nc.variables["xco_ppb"].ncattrs():
            aicf = float(nc.variables["xco_ppb"].getncattr("aicf"))
        if aicf is None:
            raise BadInputError(path, "missing_variable",
                                "no airmass-independent correction factor (xco_aicf or xco_ppb:aicf)", "xco_aicf")
    n = out["time"].size
    for name in ("xco_ppb", "xco_ppb_error", "pout_hPa", "asza_deg", "prior_date_index"):
        if out[name].shape != (n,):
            raise BadInputError(path, "bad_shape", f"shape {out[name].shape}, expected ({n},)", name)
    if n == 0:
        raise BadInputError(path, "empty", "file holds no measurements", "time")
    ak = out["ak_co"]
    if out["_ak_dims"] == ("ak_zenith", "ak_P_hPa"):
        ak = ak.T
    if ak.shape != (out["ak_P_hPa"].size, out["ak_zenith"].size):
        raise BadInputError(path, "bad_shape", f"ak_co shape {out['ak_co'].shape} does not match its axes", "ak_co")
    if not np.isfinite(ak).all():
        raise BadInputError(path, "bad_value", "ak_co has NaN/inf or fill values", "ak_co")
    n_prior = out["prior_co"].shape[0]
    pidx = out["prior_date_index"].astype(np.int64)
    if pidx.size and pidx.max() == n_prior and pidx.min() >= 1:
        pidx = pidx - 1  # one-based index
    if pidx.size and (pidx.min() < 0 or pidx.max() >= n_prior):
        raise BadInputError(path, "out_of_range", "prior_date_index points outside prior_date", "prior_date_index")
    keep = np.isfinite(out["xco_ppb"]) & np.isfinite(out["time"])
    if period is not None:
        keep &= (out["time"] >= period[0]) & (out["time"] < period[1])
        if not keep.any():
            raise BadInputError(path, "no_overlap", "no measurements inside the processing period", "time")
    aicf = np.broadcast_to(np.asarray(aicf, dtype=np.float64), (n,))
    sza = out["asza_deg"]
    zen = out["ak_zenith"]
    j = np.clip(np.searchsorted(zen, sza), 1, zen.size - 1)
    w = np.clip((sza - zen[j - 1]) / (zen[j] - zen[j - 1]), 0.0, 1.0)
    ak_obs = ak[:, j - 1].T * (1 - w)[:, None] + ak[:, j].T * w[:, None]
    sel = np.flatnonzero(keep)
    return {
        "site": site,
        "file": str(path),
        "record_index": sel.astype(np.int32),
        "time": out["time"][sel],
        "xco": out["xco_ppb"][sel],
        "xco_error": out["xco_ppb_error"][sel],
        "xco_unscaled": (out["xco_ppb"] * aicf)[sel],
        "aicf": aicf[sel],
        "pout": out["pout_hPa"][sel],
        "sza": sza[sel],
        "lat": float(np.nanmedian(out["lat_deg"])),
        "lon": float(np.nanmedian(out["long_deg"])),
        "zobs_km": float(np.nanmedian(out["zobs_km"])),
        "prior_index": pidx[sel],
        "prior_pressure": out["prior_Pressure"],
        "prior_co": out["prior_co"],
        "ak_pressure": out["ak_P_hPa"],
        "ak_obs": ak_obs[sel],
    }
