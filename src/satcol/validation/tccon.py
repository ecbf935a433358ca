"""Read TCCON netCDF files: GGG2014 public files and GGG2020 public and private files.

GGG2014 (:func:`read_ggg2014`): time, XCO (public, WMO-scaled), its error, the unscaled XCO
(public x AICF, undoing the WMO scaling; the airmass-dependent correction cannot be undone from
public files), surface pressure, SZA, the daily prior profile and the column AK interpolated to
each measurement's SZA.

GGG2020 (:func:`read_ggg2020`; docs/formats-tccon.md): every layout TCCON has published (file
format versions 2020.A/B/C and 2020.1.A) and the private (engineering) layout, normalised to
satcol's canonical names and units: XCO, XCO2 and XCH4 with errors and WMO scale, per-spectrum
column AKs, priors and the integration operator. :func:`read` picks the reader from the file's
variables. Problems raise BadInputError naming file and variable.
"""

from __future__ import annotations

import re
from pathlib import Path

import netCDF4
import numpy as np

from satcol.core.errors import BadInputError

FILENAME_RE = re.compile(r"^([a-z]{2})(\d{8})_(\d{8})\.(?:public|private)(?:\.qc)?\.nc$")
REQUIRED_2014 = ("time", "xco_ppb", "xco_ppb_error", "pout_hPa", "asza_deg", "lat_deg", "long_deg",
                 "zobs_km", "prior_date_index", "prior_co", "prior_Pressure", "ak_co", "ak_P_hPa", "ak_zenith")
_PRESSURE_TO_HPA = {"hpa": 1.0, "mbar": 1.0, "atm": 1013.25, "pa": 0.01}
#: The other gases of a GGG2014 public file: satcol key -> (value, error variable, satcol unit).
#: The public files hold ``xco2_ppm``/``xco2_ppm_error`` and ``xch4_ppm``/``xch4_ppm_error`` on
#: the ``time`` dimension, both in ppm (the variable names say so); XCH4 is returned in ppb as
#: everywhere in satcol (GOSAT training against GGG2014, S23 Sect. 4.5).
GGG2014_GASES = {"xco2": ("xco2_ppm", "xco2_ppm_error", "ppm"), "xch4": ("xch4_ppm", "xch4_ppm_error", "ppb")}


def site_of(path) -> str:
    m = FILENAME_RE.match(Path(path).name)
    if not m:
        raise BadInputError(path, "bad_filename", "file name does not match <id>YYYYMMDD_YYYYMMDD.public[.qc].nc (or .private[.qc].nc)")
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


#: Time units a TCCON file may give, in seconds: GGG2020 and the synthetic files use seconds since
#: 1970, public GGG2014 files as other readers see them days since 1970 (docs/formats-tccon.md).
_TIME_UNITS_S = {"seconds": 1.0, "days": 86400.0}


def _time_unit_seconds(v, path) -> float:
    """Seconds per unit of a ``time`` variable whose units are '<seconds|days> since 1970-01-01
    [00:00:00]'; anything else is a clear error naming the file and the variable."""
    units = str(getattr(v, "units", "")).strip()
    step, _, origin = units.partition(" since ")
    if step.lower() not in _TIME_UNITS_S or not origin.startswith("1970-01-01") \
            or origin[10:].strip() not in ("", "0:0:0", "00:00:00", "00:00:00Z", "00:00:00 UTC", "00:00:00.0"):
        raise BadInputError(path, "bad_units", f"time units {units!r} not seconds or days since 1970-01-01", "time")
    return _TIME_UNITS_S[step.lower()]


def _pressure_hpa(v, data, path, name):
    units = str(getattr(v, "units", "hPa")).strip().lower()
    if units not in _PRESSURE_TO_HPA:
        raise BadInputError(path, "bad_units", f"unknown pressure units {units!r}", name)
    return data * _PRESSURE_TO_HPA[units]


def _open(path):
    """(path, site id from the name, open netCDF4 Dataset); a clear error for a bad name or a
    file that is not netCDF."""
    path = Path(path)
    site = site_of(path)
    try:
        return path, site, netCDF4.Dataset(path, "r")
    except (OSError, RuntimeError) as exc:
        raise BadInputError(path, "unreadable", f"cannot open as netCDF ({exc})") from None


def read_ggg2014(path, period=None) -> dict:
    """Read a GGG2014 public file; ``period`` = (start, end) POSIX seconds to keep, or None.
    XCO (ppb, WMO-scaled) with its AK and prior always; ``xco2`` (ppm) and ``xch4`` (ppb) with
    ``xco2_error``/``xch4_error`` where the file holds ``xco2_ppm``/``xch4_ppm``
    (:data:`GGG2014_GASES`; a value without its error, an unknown unit or a wrong shape is a
    :class:`~satcol.core.errors.BadInputError` naming the variable)."""
    path, site, nc = _open(path)
    with nc:
        if "xco_ppb" not in nc.variables and "xco" in nc.variables:
            raise BadInputError(path, "unsupported_format",
                                "a GGG2020 file given to the GGG2014 reader (satcol.validation.tccon.read picks the reader)", "xco")
        out = {}
        for name in REQUIRED_2014:
            v, data = _var(nc, path, name)
            if name in ("prior_Pressure", "ak_P_hPa", "pout_hPa"):
                data = _pressure_hpa(v, data, path, name)
            out[name] = data
            if name == "time":
                out[name] = data * _time_unit_seconds(v, path)
            if name == "ak_co":
                out["_ak_dims"] = v.dimensions
        gases = {}
        for key, (name, err, unit) in GGG2014_GASES.items():
            if name not in nc.variables:
                continue  # optional: the CO comparison does not need them
            for vname in (name, err):
                if vname not in nc.variables:
                    raise BadInputError(path, "missing_variable", f"{name} without its error variable", vname)
                v, data = _var(nc, path, vname)
                # the unit as the file states it (ppm in the public files; "ppm" assumed when absent)
                src = str(getattr(v, "units", "ppm")).strip().lower() or "ppm"
                if src not in _PARTS:
                    raise BadInputError(path, "bad_units", f"unknown mole-fraction units {src!r}", vname)
                gases[key if vname == name else f"{key}_error"] = data * (_PARTS[src] / _PARTS[unit])
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
    for key, data in gases.items():
        if data.shape != (n,):
            gas = key.removesuffix("_error")
            name = GGG2014_GASES[gas][1 if key.endswith("_error") else 0]
            raise BadInputError(path, "bad_shape", f"shape {data.shape}, expected ({n},)", name)
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
        # XCO2 (ppm) and XCH4 (ppb) with their errors where the file has them (GGG2014_GASES)
        **{key: data[sel] for key, data in gases.items()},
    }


# --- GGG2020 -----------------------------------------------------------------------------------
#: Gases satcol reads, with the canonical unit of their column average and prior (parts per ...).
#: XCO and XCH4 in ppb (1e-9), XCO2 in ppm (1e-6).
GASES = {"co": 1e-9, "co2": 1e-6, "ch4": 1e-9}
#: Mole-fraction units as TCCON files spell them -> parts (the writer's MOLE_FRACTION_CONVERSIONS;
#: private priors are "in parts" with units "" or "parts").
_PARTS = {"1": 1.0, "": 1.0, "parts": 1.0, "ppm": 1e-6, "ppb": 1e-9, "ppt": 1e-12}
#: Mean dry-air O2 mole fraction used by the TCCON writer's integration operator.
O2_MOLE_FRACTION = 0.2095
REQUIRED_2020 = ("time", "lat", "long", "zobs", "pout", "solzen", "airmass", "prior_altitude", "prior_pressure")
#: The variables of a GGG2020 public file (2020.B/C) that satcol reads: the synthetic writer must
#: write each as the real files have it (tests/validation/test_structure_tccon.py).
GGG2020_PUBLIC_USED = REQUIRED_2020 + (
    "ak_altitude", "ak_pressure", "prior_h2o", "integration_operator", "xco2_x2019", "xco2_error_x2019") + tuple(
    f"{pre}{g}{post}" for g in GASES for pre, post in (("x", ""), ("x", "_error"), ("prior_", ""), ("prior_x", ""),
                                                       ("ak_x", ""), ("extrapolation_flags_ak_x", "")))


def file_format(path) -> str:
    """'ggg2014' or 'ggg2020', from the file's variables (GGG2014 has ``xco_ppb``)."""
    try:
        nc = netCDF4.Dataset(path, "r")
    except (OSError, RuntimeError) as exc:
        raise BadInputError(path, "unreadable", f"cannot open as netCDF ({exc})") from None
    with nc:
        if "xco_ppb" in nc.variables:
            return "ggg2014"
        version = str(getattr(nc, "file_format_version", ""))
        if version.startswith("2020") or "xco" in nc.variables:
            return "ggg2020"
    raise BadInputError(path, "unsupported_format", "neither GGG2014 (xco_ppb) nor GGG2020 (xco) variables", "xco")


def read(path, period=None) -> dict:
    """Read a TCCON file of either GGG version (:func:`read_ggg2014` or :func:`read_ggg2020`)."""
    if file_format(path) == "ggg2014":
        out = read_ggg2014(path, period)
        out["format"] = "ggg2014"
        return out
    return read_ggg2020(path, period)


def _units(nc, path, name) -> str:
    return str(getattr(nc.variables[name], "units", "")).strip()


def _to_parts(nc, path, name) -> float:
    units = _units(nc, path, name)
    if units not in _PARTS:
        raise BadInputError(path, "bad_units", f"unknown mole-fraction units {units!r}", name)
    return _PARTS[units]


def _pressure_var(nc, path, name):
    v, data = _var(nc, path, name)
    return _pressure_hpa(v, data, path, name)


def _xgas_names(nc, gas):
    """(value, error) variable names of a gas's column average in this file, preferring the
    WMO X2007 CO2 scale where a file has both (2020.1.A has only the suffixed names)."""
    if gas == "co2":
        for value, error in (("xco2", "xco2_error"), ("xco2_x2007", "xco2_error_x2007"),
                             ("xco2_x2019", "xco2_error_x2019")):
            if value in nc.variables:
                return value, error
        return None, None
    name = f"x{gas}"
    return (name, f"{name}_error") if name in nc.variables else (None, None)


def _prior_name(nc, gas):
    """Public files name the prior ``prior_co``; private files ``prior_1co`` (isotopologue 1)."""
    for name in (f"prior_{gas}", f"prior_1{gas}"):
        if name in nc.variables:
            return name
    return None


def slant_table_aks(table, bins, slant, min_extrap=0.0):
    """Column AKs of each spectrum from a lookup table in slant Xgas (TCCON GGG2020 writer,
    ``write_tccon_netcdf/add_aks.py`` of github.com/TCCON/py_tccon_netcdf).

    Parameters
    ----------
    table : (L, B) array
        AK at each level (rows) for each slant-Xgas bin centre (columns), unitless.
    bins : (B,) array
        Slant-Xgas bin centres, in the unit of ``slant``.
    slant : (n,) array
        Xgas x airmass of each spectrum.
    min_extrap : float
        Lowest slant Xgas to which the table is extrapolated (the writer's default 0).

    Returns
    -------
    ak : (n, L) array
        Linear interpolation in slant Xgas between bin centres; below the lowest centre linear
        extrapolation down to ``min_extrap``, beyond the ends clamped (the writer's unquantised
        form).
    flags : (n,) int8
        The writer's extrapolation flags: -2 clamped at ``min_extrap``, -1 extrapolated below the
        lowest bin, 0 interpolated, 2 clamped at the highest bin.
    """
    bins = np.asarray(bins, dtype=np.float64)
    table = np.asarray(table, dtype=np.float64)
    order = np.argsort(bins)
    bins, table = bins[order], table[:, order]
    slant = np.asarray(slant, dtype=np.float64)
    flags = np.zeros(slant.shape, dtype=np.int8)
    flags[slant < min_extrap] = -2
    flags[(slant >= min_extrap) & (slant < bins[0])] = -1
    flags[slant > bins[-1]] = 2
    s = np.clip(slant, min_extrap, bins[-1])
    j = np.clip(np.searchsorted(bins, s), 1, bins.size - 1)
    w = (s - bins[j - 1]) / (bins[j] - bins[j - 1])  # < 0 below the lowest bin: extrapolation
    ak = table[:, j - 1].T * (1.0 - w)[:, None] + table[:, j].T * w[:, None]
    return ak, flags


def read_ggg2020(path, period=None) -> dict:
    """Read a GGG2020 TCCON file (public or private layout) into canonical per-spectrum arrays.

    Parameters
    ----------
    path : path-like
        ``{site}{YYYYMMDD}_{YYYYMMDD}.public.qc.nc`` (or ``.private``) file.
    period : (start, end) POSIX seconds, optional
        Keep spectra with start <= time < end.

    Returns
    -------
    dict
        ``time`` (s since 1970), ``lat``/``lon``/``zobs_km`` (site medians), per spectrum
        ``pout`` (hPa), ``sza`` (deg), ``airmass``; for each gas g of ``co``, ``co2``, ``ch4``
        the file has: ``x{g}``, ``x{g}_error`` (XCO, XCH4 in ppb; XCO2 in ppm), ``x{g}_scale``
        (``wmo_or_analogous_scale``), ``prior_{g}`` (n, L) **wet** mole fraction on the prior
        levels, ``prior_x{g}`` (n), ``ak_x{g}`` (n, M) and ``ak_flags_x{g}``; ``prior_pressure``
        (n, L, hPa), ``prior_h2o`` (n, L, wet mole fraction in parts), ``integration_operator``
        (n, L; applied to wet mole fractions), ``ak_pressure`` (M, hPa; per spectrum (n, M)
        when the AKs are on the prior grid), ``n_in``, ``n_flagged`` (spectra with flag != 0,
        dropped), ``layout`` ('public' or 'private'), ``file_format_version``.
    """
    path, site, nc = _open(path)
    with nc:
        return _read_ggg2020(nc, path, site, period)


def _read_ggg2020(nc, path, site, period) -> dict:
    version = str(getattr(nc, "file_format_version", ""))
    raw = {}
    for name in REQUIRED_2020:
        raw[name] = _var(nc, path, name)[1]
    raw["time"] = raw["time"] * _time_unit_seconds(nc.variables["time"], path)
    n = raw["time"].size
    if n == 0:
        raise BadInputError(path, "empty", "file holds no spectra", "time")
    for name in ("lat", "long", "zobs", "pout", "solzen", "airmass"):
        if raw[name].shape != (n,):
            raise BadInputError(path, "bad_shape", f"shape {raw[name].shape}, expected ({n},)", name)
    n_lev = raw["prior_altitude"].size
    out = {"site": site, "file": str(path), "format": "ggg2020", "file_format_version": version,
           "layout": "private" if "flag" in nc.variables or "prior_index" in nc.variables else "public"}
    keep = _unflagged(nc, path, n)
    out["n_in"] = int(n)
    out["n_flagged"] = int(n - keep.sum())
    # Priors: per spectrum (time, prior_altitude) or per prior_time indexed by prior_index.
    pdims = nc.variables["prior_pressure"].dimensions
    if pdims == ("time", "prior_altitude"):
        pidx = np.arange(n)
    elif len(pdims) == 2 and pdims[1] == "prior_altitude":
        if "prior_index" not in nc.variables:
            raise BadInputError(path, "missing_variable", f"priors on {pdims[0]} without prior_index", "prior_index")
        pidx = _var(nc, path, "prior_index")[1].astype(np.int64)
        n_prior = nc.dimensions[pdims[0]].size
        if pidx.shape != (n,) or pidx.min() < 0 or pidx.max() >= n_prior:
            raise BadInputError(path, "out_of_range", f"prior_index must be ({n},) in 0..{n_prior - 1}", "prior_index")
    else:
        raise BadInputError(path, "bad_shape", f"prior_pressure dimensions {pdims} not (time|prior_time, prior_altitude)",
                            "prior_pressure")

    def prior(name, to_parts=True):
        v, data = _var(nc, path, name)
        if v.dimensions != pdims:
            raise BadInputError(path, "bad_shape", f"dimensions {v.dimensions}, expected {pdims}", name)
        data = data[pidx]
        return data * _to_parts(nc, path, name) if to_parts else data

    out["prior_altitude"] = raw["prior_altitude"]
    out["prior_pressure"] = _pressure_hpa(nc.variables["prior_pressure"], raw["prior_pressure"], path,
                                          "prior_pressure")[pidx]
    h2o_name = _prior_name(nc, "h2o")
    if h2o_name is None:
        raise BadInputError(path, "missing_variable", "no water prior (prior_h2o / prior_1h2o)", "prior_h2o")
    out["prior_h2o"] = prior(h2o_name)
    out["integration_operator"] = _integration_operator(nc, path, pdims, pidx, n, n_lev)
    gases = []
    for gas, unit in GASES.items():
        value, error = _xgas_names(nc, gas)
        pname = _prior_name(nc, gas)
        if value is None:
            continue
        if pname is None:
            raise BadInputError(path, "missing_variable", f"{value} without its prior profile", f"prior_{gas}")
        if error not in nc.variables:
            raise BadInputError(path, "missing_variable", f"{value} without its error", error)
        scale = _to_parts(nc, path, value) / unit
        xg = _var(nc, path, value)[1] * scale
        out[f"x{gas}"] = xg
        out[f"x{gas}_error"] = _var(nc, path, error)[1] * _to_parts(nc, path, error) / unit
        out[f"x{gas}_scale"] = str(getattr(nc.variables[value], "wmo_or_analogous_scale", "unknown"))
        out[f"x{gas}_source"] = value
        out[f"prior_{gas}"] = prior(pname) / unit
        h = out["integration_operator"]
        if value == "xco2_x2019" and "integration_operator_x2019" in nc.variables:
            h = _var(nc, path, "integration_operator_x2019")[1][pidx]
        candidates = ("prior_xco2_x2019",) if value == "xco2_x2019" else (f"prior_{value}", f"prior_x{gas}")
        pxname = next((c for c in candidates if c in nc.variables), None)
        if pxname is not None and nc.variables[pxname].dimensions in (("time",), (pdims[0],)):
            px = _var(nc, path, pxname)[1]
            if nc.variables[pxname].dimensions != ("time",):
                px = px[pidx]
            out[f"prior_x{gas}"] = px * _to_parts(nc, path, pxname) / unit
        else:  # private files: the prior column is the operator applied to the prior profile
            out[f"prior_x{gas}"] = np.sum(h * out[f"prior_{gas}"], axis=1)
        ak, flags, ak_p = _column_ak(nc, path, gas, value, raw["airmass"], out, n)
        out[f"ak_x{gas}"], out[f"ak_flags_x{gas}"] = ak, flags
        out["ak_pressure"] = ak_p
        gases.append(gas)
    if "co" not in gases:
        raise BadInputError(path, "missing_variable", "no XCO in the file (satcol's comparison needs it)", "xco")
    out["gases"] = gases
    out["xco2_x2019"] = None
    if "xco2_x2019" in nc.variables and out.get("xco2_source") != "xco2_x2019":
        out["xco2_x2019"] = _var(nc, path, "xco2_x2019")[1] * _to_parts(nc, path, "xco2_x2019") / GASES["co2"]
        if "xco2_error_x2019" in nc.variables:
            out["xco2_x2019_error"] = (_var(nc, path, "xco2_error_x2019")[1]
                                       * _to_parts(nc, path, "xco2_error_x2019") / GASES["co2"])
    keep &= np.isfinite(raw["time"])
    if period is not None:
        keep &= (raw["time"] >= period[0]) & (raw["time"] < period[1])
        if not keep.any():
            raise BadInputError(path, "no_overlap", "no measurements inside the processing period", "time")
    sel = np.flatnonzero(keep)
    out.update({"time": raw["time"], "pout": raw["pout"], "sza": raw["solzen"], "airmass": raw["airmass"]})
    for key, val in list(out.items()):
        if isinstance(val, np.ndarray) and val.ndim >= 1 and val.shape[0] == n and key != "prior_altitude":
            if key == "ak_pressure" and val.ndim == 1:
                continue
            out[key] = val[sel]
    out["record_index"] = sel.astype(np.int32)
    out["lat"] = float(np.nanmedian(raw["lat"]))
    out["lon"] = float(np.nanmedian(raw["long"]))
    out["zobs_km"] = float(np.nanmedian(raw["zobs"]))
    return out


def _unflagged(nc, path, n: int) -> np.ndarray:
    """The spectra kept: ``flag == 0`` (public files hold only those and have no flag variable)."""
    keep = np.ones(n, dtype=bool)
    if "flag" in nc.variables:
        flag = _var(nc, path, "flag")[1]
        if flag.shape != (n,):
            raise BadInputError(path, "bad_shape", f"shape {flag.shape}, expected ({n},)", "flag")
        keep &= flag == 0
    return keep


def read_xgas(path, gases=("co2", "ch4")) -> dict:
    """The column averages of a GGG2020 file and their times, without the priors and averaging
    kernels :func:`read_ggg2020` also reads (the GOSAT match-ups compare columns alone, S23
    Sect. 4.3; the priors and kernels are most of a file's bytes).

    Parameters
    ----------
    path : path-like
        A GGG2020 ``{site}{YYYYMMDD}_{YYYYMMDD}.public[.qc].nc`` (or ``.private``) file.
    gases : tuple of str
        Gases of :data:`GASES` wanted; one the file does not hold is absent from the result.

    Returns
    -------
    dict
        ``site``, ``file``, ``time`` (s since 1970) and ``x{gas}`` (XCO2 in ppm, XCO and XCH4
        in ppb; the same values and spectra as :func:`read_ggg2020`: flagged spectra and those
        without a time are dropped).
    """
    path, site, nc = _open(path)
    with nc:
        if "xco_ppb" in nc.variables:
            raise BadInputError(path, "unsupported_format", "a GGG2014 file given to the GGG2020 reader", "xco_ppb")
        tv, t = _var(nc, path, "time")
        t = t * _time_unit_seconds(tv, path)
        n = t.size
        if n == 0:
            raise BadInputError(path, "empty", "file holds no spectra", "time")
        keep = _unflagged(nc, path, n) & np.isfinite(t)
        sel = np.flatnonzero(keep)
        out = {"site": site, "file": str(path), "time": t[sel]}
        for gas in gases:
            value, _ = _xgas_names(nc, gas)
            if value is None:
                continue
            x = _var(nc, path, value)[1]
            if x.shape != (n,):
                raise BadInputError(path, "bad_shape", f"shape {x.shape}, expected ({n},)", value)
            out[f"x{gas}"] = (x * (_to_parts(nc, path, value) / GASES[gas]))[sel]
    return out


def _integration_operator(nc, path, pdims, pidx, n, n_lev):
    """The file's integration operator (time, prior_altitude); private files that lack it get it
    the way the TCCON writer builds it: effective path length x air number density x O2 mole
    fraction / retrieved O2 column (py_tccon_netcdf, create_observation_operator_variable)."""
    if "integration_operator" in nc.variables:
        v, h = _var(nc, path, "integration_operator")
        if v.dimensions == pdims:
            h = h[pidx]
        elif v.dimensions != ("time", "prior_altitude"):
            raise BadInputError(path, "bad_shape", f"dimensions {v.dimensions}", "integration_operator")
        return h
    needed = ("effective_path_length", "prior_density", "vsw_o2_7885")
    missing = [k for k in needed if k not in nc.variables]
    if missing:
        raise BadInputError(path, "missing_variable",
                            "no integration_operator, and not the variables to compute it: " + ", ".join(missing),
                            "integration_operator")
    path_cm = _var(nc, path, "effective_path_length")[1]
    dens_v, dens = _var(nc, path, "prior_density")
    if dens_v.dimensions == pdims:
        dens = dens[pidx]
    o2 = _var(nc, path, "o2_mean_mole_fraction")[1] if "o2_mean_mole_fraction" in nc.variables else O2_MOLE_FRACTION
    col = _var(nc, path, "vsw_o2_7885")[1]
    return path_cm * dens * np.reshape(o2, (-1, 1) if np.ndim(o2) else ()) / col[:, None]


def _column_ak(nc, path, gas, value, airmass, out, n):
    """Per-spectrum column AK of a gas: expanded (time, ak_altitude) or (time, prior_altitude),
    or the lookup table (ak_altitude, ak_slant_xgas_bin) interpolated in slant Xgas."""
    name = f"ak_x{gas}"
    if name not in nc.variables:
        raise BadInputError(path, "missing_variable", f"no column averaging kernel for {value}", name)
    v, ak = _var(nc, path, name)
    flags_name = f"extrapolation_flags_ak_x{gas}"
    if v.dimensions == ("time", "ak_altitude"):
        ak_p = _pressure_var(nc, path, "ak_pressure")
        flags = (_var(nc, path, flags_name)[1].astype(np.int8) if flags_name in nc.variables
                 else np.zeros(n, np.int8))
    elif v.dimensions == ("time", "prior_altitude"):
        ak_p = out["prior_pressure"]
        flags = (_var(nc, path, flags_name)[1].astype(np.int8) if flags_name in nc.variables
                 else np.zeros(n, np.int8))
    elif v.dimensions == ("ak_altitude", "ak_slant_xgas_bin"):
        bname = f"ak_slant_x{gas}_bin"
        if bname not in nc.variables:
            raise BadInputError(path, "missing_variable", "AK table without its slant-Xgas bin centres", bname)
        bins = _var(nc, path, bname)[1]
        # Slant Xgas in the bins' unit (the writer's XCH4 bins may be in ppb while XCH4 is ppm).
        x_file = _var(nc, path, value)[1]
        bins = bins * _to_parts(nc, path, bname) / _to_parts(nc, path, value)
        ak, flags = slant_table_aks(ak, bins, x_file * airmass)
        ak_p = _pressure_var(nc, path, "ak_pressure")
    else:
        raise BadInputError(path, "bad_shape", f"dimensions {v.dimensions} not (time, ak_altitude), "
                            "(time, prior_altitude) or (ak_altitude, ak_slant_xgas_bin)", name)
    if ak.shape[0] != n:
        raise BadInputError(path, "bad_shape", f"shape {ak.shape}, expected {n} spectra", name)
    return ak, flags, ak_p


_UNIT_NAMES = {1e-9: "1e-9", 1e-6: "1e-6"}


def open_dataset(path):
    """A TCCON file (GGG2014 or GGG2020) as an xarray Dataset with satcol's canonical names and
    units (:func:`satcol.open_tccon`); the same reader as ingest (:func:`read`).

    Dimension ``spectrum`` (flag != 0 dropped, counted in the attribute ``n_flagged_dropped``);
    for every gas the file has: ``x{g}``, ``x{g}_error`` (XCO, XCH4 in ppb = units "1e-9",
    XCO2 in ppm = "1e-6", attribute ``wmo_or_analogous_scale``), ``prior_{g}`` (wet mole
    fraction on ``prior_altitude``), ``prior_x{g}``, ``ak_x{g}`` (on ``ak_altitude``, or on
    ``prior_altitude`` where the file has them there); ``prior_pressure`` (hPa), ``prior_h2o``
    (parts), ``integration_operator`` (applied to wet mole fractions), ``pout`` (hPa), ``sza``
    (degree), ``airmass``. GGG2014 files give XCO only (with ``xco_unscaled``), the prior of
    each measurement's day and the AK at its SZA. Raises BadInputError as ingest does.
    """
    import xarray as xr

    p = read(path)
    t = (np.asarray(p["time"], dtype=np.float64) * 1e6).astype("int64").astype("datetime64[us]")
    attrs = {"site_id": p["site"], "source_file": p["file"], "tccon_format": p["format"],
             "lat": p["lat"], "lon": p["lon"], "zobs_km": p["zobs_km"]}
    f64 = lambda a: np.asarray(a, dtype=np.float64)  # noqa: E731
    base = {"pout": ("spectrum", f64(p["pout"]), {"units": "hPa"}),
            "sza": ("spectrum", f64(p["sza"]), {"units": "degree"}),
            "record_index": ("spectrum", p["record_index"])}
    if p["format"] == "ggg2014":
        idx = p["prior_index"]
        ds = xr.Dataset({
            **base,
            "xco": ("spectrum", f64(p["xco"]), {"units": "1e-9", "wmo_or_analogous_scale": "WMO (GGG2014: AICF applied)"}),
            "xco_error": ("spectrum", f64(p["xco_error"]), {"units": "1e-9"}),
            "xco_unscaled": ("spectrum", f64(p["xco_unscaled"]), {"units": "1e-9", "long_name": "xco x AICF"}),
            "prior_co": (("spectrum", "prior_level"), f64(p["prior_co"])[idx], {"units": "1e-9"}),
            "prior_pressure": (("spectrum", "prior_level"), f64(p["prior_pressure"])[idx], {"units": "hPa"}),
            "ak_xco": (("spectrum", "ak_level"), f64(p["ak_obs"]), {"units": "1"}),
        }, coords={"time": ("spectrum", t), "ak_pressure": ("ak_level", f64(p["ak_pressure"]), {"units": "hPa"})},
            attrs={**attrs, "n_spectra_in_file": int(p["time"].size), "n_flagged_dropped": 0})
        return ds
    ak_p = f64(p["ak_pressure"])
    ak_dim = "prior_altitude" if ak_p.ndim == 2 else "ak_altitude"
    data = {**base, "airmass": ("spectrum", f64(p["airmass"]), {"units": "1"}),
            "prior_pressure": (("spectrum", "prior_altitude"), f64(p["prior_pressure"]), {"units": "hPa"}),
            "prior_h2o": (("spectrum", "prior_altitude"), f64(p["prior_h2o"]), {"units": "1", "comment": "wet mole fraction"}),
            "integration_operator": (("spectrum", "prior_altitude"), f64(p["integration_operator"]), {
                "units": "1", "comment": "column average = sum over prior_altitude of operator x wet mole fraction"})}
    for gas in p["gases"]:
        u = _UNIT_NAMES[GASES[gas]]
        data[f"x{gas}"] = ("spectrum", f64(p[f"x{gas}"]), {"units": u, "wmo_or_analogous_scale": p[f"x{gas}_scale"],
                                                           "source_variable": p[f"x{gas}_source"]})
        data[f"x{gas}_error"] = ("spectrum", f64(p[f"x{gas}_error"]), {"units": u})
        data[f"prior_{gas}"] = (("spectrum", "prior_altitude"), f64(p[f"prior_{gas}"]), {"units": u, "comment": "wet mole fraction"})
        data[f"prior_x{gas}"] = ("spectrum", f64(p[f"prior_x{gas}"]), {"units": u})
        data[f"ak_x{gas}"] = (("spectrum", ak_dim), f64(p[f"ak_x{gas}"]), {"units": "1"})
        data[f"ak_flags_x{gas}"] = ("spectrum", p[f"ak_flags_x{gas}"], {
            "comment": "-2 clamped at 0, -1 extrapolated below the lowest slant-Xgas bin, 0 interpolated, 2 clamped at the highest"})
    if p.get("xco2_x2019") is not None:
        data["xco2_x2019"] = ("spectrum", f64(p["xco2_x2019"]), {"units": "1e-6", "wmo_or_analogous_scale": "WMO CO2 X2019"})
        if "xco2_x2019_error" in p:
            data["xco2_x2019_error"] = ("spectrum", f64(p["xco2_x2019_error"]), {"units": "1e-6"})
    coords = {"time": ("spectrum", t), "prior_altitude": ("prior_altitude", f64(p["prior_altitude"]), {"units": "km"})}
    if ak_dim == "ak_altitude":
        coords["ak_pressure"] = ("ak_altitude", ak_p, {"units": "hPa"})
    return xr.Dataset(data, coords=coords, attrs={
        **attrs, "file_format_version": p["file_format_version"], "layout": p["layout"],
        "n_spectra_in_file": p["n_in"], "n_flagged_dropped": p["n_flagged"]})
