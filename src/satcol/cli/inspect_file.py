"""``satcol inspect``: what a file is and whether satcol can read it.

For each file: its kind (MOPITT L2, GOSAT TANSO-FTS SWIR L2 (NIES), TCCON, or unknown), product or file-format version, the
number of soundings (spectra for TCCON), the time range, which satcol reader applies, the
required fields that are missing or have the wrong shape, the fields on an unexpected scale,
and the verdict of the reader itself (the same code as ingest, :mod:`satcol.instruments.mopitt.reader` and
:mod:`satcol.instruments.gosat.reader`, :mod:`satcol.validation.tccon`). The layout knowledge (dataset names, groups, shapes, version layouts,
physical ranges) is the readers'; this module only walks it without stopping at the first
problem, so that a user sees every missing field at once.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np

from satcol.core.errors import BadInputError

#: The first bytes of an HDF5 file (netCDF-4 files are HDF5 files) and of a netCDF classic file.
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
NETCDF3_SIGNATURES = (b"CDF\x01", b"CDF\x02", b"CDF\x05")
#: Plausible medians of the reader's canonical quantities: (low, high, unit). A median outside
#: its range means a field on an unexpected scale (e.g. surface pressure in Pa, a column in
#: mol m-2, XCO in mole fraction rather than ppb). Tropospheric XCO lies between about 40 and
#: 250 ppb (H19 Fig. 5 spans 50-150 ppb); surface pressure between about 500 hPa (high plateaus)
#: and 1050 hPa.
PLAUSIBLE = {
    "xco": (20.0, 500.0, "ppb"),
    "psurf": (300.0, 1100.0, "hPa"),
    # Column-mean CO2 has stayed within about 370-430 ppm since GOSAT's launch (2009) and CH4
    # within about 1700-2000 ppb; the ranges are wide enough for any sounding population and
    # catch a field in mole fraction or ppmv where ppm/ppb is expected.
    "xco2": (300.0, 600.0, "ppm"),
    "xch4": (1000.0, 3000.0, "ppb"),
}
#: Units the MOPITT reader assumes (it converts nothing): field -> accepted ``units`` attributes.
MOPITT_UNITS = {
    "RetrievedCOTotalColumn": ("mol/cm^2", "mol/cm2", "molecules/cm^2", "molec/cm^2"),
    "DryAirColumn": ("mol/cm^2", "mol/cm2", "molecules/cm^2", "molec/cm^2"),
    "SurfacePressure": ("hPa", "hpa", "mbar"),
}

#: The satcol reader of each kind of file.
READERS = {"mopitt": "satcol.instruments.mopitt.reader.read_mop02 (MOPITT L2 MOP02 HDF-EOS5)",
           "gosat": "satcol.instruments.gosat.reader.read_gosat (GOSAT TANSO-FTS SWIR L2, NIES HDF5)",
           "tccon": "satcol.validation.tccon.read (TCCON GGG2014 / GGG2020 netCDF)"}


def _sniff(path: Path) -> str:
    """'hdf5', 'netcdf3', 'empty' or 'other' from the file's first bytes."""
    with open(path, "rb") as f:
        head = f.read(8)
    if not head:
        return "empty"
    if head == HDF5_SIGNATURE:
        return "hdf5"
    if head[:4] in NETCDF3_SIGNATURES:
        return "netcdf3"
    return "other"


_TRUNCATED_RE = re.compile(r"truncated file: eof = (\d+).*stored_eof = (\d+)")


def _hdf5_open_problem(path: Path) -> str | None:
    """None when h5py opens the file; else what is wrong, naming a truncated file as such (its size
    against the end-of-file address its HDF5 superblock records)."""
    import h5py

    try:
        with h5py.File(path, "r"):
            return None
    except (OSError, ValueError) as exc:
        m = _TRUNCATED_RE.search(str(exc))
        if m:
            return (f"truncated file: {int(m.group(1))} bytes of the {int(m.group(2))} its HDF5 superblock "
                    "records (an interrupted download or copy?)")
        return f"cannot open as HDF5 ({exc})"


def _guess_kind(path: Path, container: str) -> str:
    """'mopitt', 'gosat', 'tccon' or 'unknown': by the file name first (the readers' own
    patterns), then by the content (the MOPITT swath groups, the NIES global metadata, the TCCON
    XCO variables)."""
    from satcol.instruments.gosat import reader as gosat
    from satcol.instruments.mopitt import reader as mopitt

    by_name = _name_kind(path)
    if by_name != "unknown":
        return by_name
    if container == "hdf5":
        try:
            import h5py

            with h5py.File(path, "r") as f:
                if mopitt.GEO in f and mopitt.DATA in f:
                    return "mopitt"
                if gosat.META in f and gosat.SA in f:
                    return "gosat"
                if "xco_ppb" in f or "xco" in f:
                    return "tccon"
        except (OSError, ValueError):
            return "unknown"
    if container == "netcdf3":
        try:
            import netCDF4

            with netCDF4.Dataset(path, "r") as nc:
                if "xco_ppb" in nc.variables or "xco" in nc.variables:
                    return "tccon"
        except (OSError, RuntimeError):
            return "unknown"
    return "unknown"


def _iso(unix_seconds) -> str | None:
    if unix_seconds is None or not np.isfinite(unix_seconds):
        return None
    return dt.datetime.fromtimestamp(float(unix_seconds), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _median_check(report: dict, name: str, values, field: str) -> None:
    lo, hi, unit = PLAUSIBLE[name]
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return
    med = float(np.median(v))
    if not lo <= med <= hi:
        report["scale_problems"].append(
            {"field": field, "message": f"median {med:.4g} as read, outside the plausible {lo:g}-{hi:g} {unit} "
                                        f"(the reader expects {unit})"})


def _inspect_mopitt(path: Path, report: dict, content: bool = True) -> None:
    """What the file name says; then (``content``) the datasets and the reader's verdict."""
    import h5py

    from satcol.core import timeutil
    from satcol.instruments.mopitt import reader as mopitt

    report["reader"] = READERS["mopitt"]
    try:
        info = mopitt.parse_filename(path)
    except BadInputError as exc:
        report["problems"].append(exc.detail)
        info = None
    layout = None
    if info is not None:
        report["instrument"] = f"MOPITT MOP02{info.mode}"
        report["version"] = f"V{info.product} (L2V{info.version}{'.beta' if info.beta else ''})"
        report["date"] = info.date.isoformat()
        try:
            layout = info.layout
        except BadInputError as exc:
            report["problems"].append(exc.detail)
    if not content:
        return
    try:
        f = h5py.File(path, "r")
    except (OSError, ValueError) as exc:
        report["problems"].append(f"cannot open as HDF5 ({exc})")
        return
    with f:
        version_shapes = {}
        if layout is not None:
            version_shapes = {"MODISCloudDiagnostics": ((layout.n_modis,),),
                              "APrioriSurfaceEmissivity": layout.apriori_shapes,
                              "APrioriSurfaceTemperature": layout.apriori_shapes}
        lat_name = f"{mopitt.GEO}/Latitude"
        n = f[lat_name].shape[0] if isinstance(f.get(lat_name), h5py.Dataset) else None
        report["n_soundings"] = n
        for required, table in ((True, mopitt.REQUIRED), (False, mopitt.OPTIONAL)):
            for name, (group, trailing) in table.items():
                full = f"{group}/{name}"
                obj = f.get(full)
                if obj is None:
                    (report["missing_fields"] if required else report["absent_optional"]).append(full)
                    continue
                if not isinstance(obj, h5py.Dataset):
                    report["bad_fields"].append({"field": full, "message": "a group, not a dataset"})
                    continue
                accepted = version_shapes.get(name, (trailing,))
                if trailing is None and name not in version_shapes:
                    accepted = None  # version-dependent, and the version is unknown
                if accepted is not None and (obj.shape[1:] not in accepted or (n is not None and obj.shape[0] != n)):
                    want = " or ".join(str(("nTime",) + tuple(a)) for a in accepted)
                    report["bad_fields"].append({"field": full, "message": f"shape {obj.shape}, expected {want}"})
                units = obj.attrs.get("units")
                if name in MOPITT_UNITS and units is not None:
                    u = units.decode() if isinstance(units, bytes) else str(units)
                    if u.strip() not in MOPITT_UNITS[name]:
                        report["scale_problems"].append(
                            {"field": full, "message": f"units {u!r}, the reader assumes {MOPITT_UNITS[name][0]!r}"})
        time_name = f"{mopitt.GEO}/Time"
        if isinstance(f.get(time_name), h5py.Dataset):
            try:
                t = np.asarray(f[time_name][()], dtype=np.float64)
                fill = mopitt._fill_value(f[time_name])
                t = t[np.isfinite(t) & (t != fill)]
                if t.size:
                    unix = timeutil.tai93_to_unix(t)
                    report["time_start"], report["time_end"] = _iso(np.min(unix)), _iso(np.max(unix))
            except (OSError, RuntimeError) as exc:
                report["bad_fields"].append({"field": time_name, "message": f"cannot read ({exc})"})
        # Scale, from the raw datasets (the reader would stop at its first range check): XCO as
        # the reader computes it (H19 Eq. A1) and the surface pressure.
        try:
            col = mopitt._read(f, path, "RetrievedCOTotalColumn", *mopitt.REQUIRED["RetrievedCOTotalColumn"])
            dry = mopitt._read(f, path, "DryAirColumn", *mopitt.REQUIRED["DryAirColumn"], n=col.shape[0])
            with np.errstate(divide="ignore", invalid="ignore"):
                _median_check(report, "xco", mopitt._ppb(col[:, 0], dry.astype(np.float64)),
                              f"{mopitt.DATA}/RetrievedCOTotalColumn / DryAirColumn")
        except BadInputError:
            pass  # missing or misshapen: reported above
        try:
            ps = mopitt._read(f, path, "SurfacePressure", *mopitt.REQUIRED["SurfacePressure"])
            _median_check(report, "psurf", ps, f"{mopitt.DATA}/SurfacePressure")
        except BadInputError:
            pass
    if info is None or layout is None:
        return
    try:
        mopitt.read_mop02(path)
    except BadInputError as exc:
        report["reader_error"] = exc.as_record()
        return
    report["reader_ok"] = True


def _inspect_tccon(path: Path, report: dict, content: bool = True) -> None:
    """What the file name says; then (``content``) the variables and the reader's verdict."""
    import netCDF4

    from satcol.validation import tccon

    report["reader"] = READERS["tccon"]
    m = tccon.FILENAME_RE.match(path.name)
    if m:
        report["site"] = m.group(1)
    else:
        report["problems"].append("file name does not match <id>YYYYMMDD_YYYYMMDD.public[.qc].nc "
                                  "(or .private[.qc].nc): the reader takes the site id from it")
    if not content:
        return
    try:
        nc = netCDF4.Dataset(path, "r")
    except (OSError, RuntimeError) as exc:
        report["problems"].append(f"cannot open as netCDF ({exc})")
        return
    with nc:
        variables = nc.variables
        fmt = "ggg2014" if "xco_ppb" in variables else "ggg2020" if (
            "xco" in variables or str(getattr(nc, "file_format_version", "")).startswith("2020")) else None
        report["instrument"] = "TCCON" + (f" {fmt.upper()}" if fmt else "")
        version = getattr(nc, "file_format_version", None)
        revision = getattr(nc, "data_revision", None)
        report["version"] = " ".join(str(v) for v in ((fmt.upper() if fmt else None),
                                                        version and f"file format {version}",
                                                        revision and f"revision {revision}") if v) or None
        report["layout"] = ("private" if "flag" in variables or "prior_index" in variables else "public") \
            if fmt == "ggg2020" else None
        if "time" in nc.dimensions:
            report["n_soundings"] = int(nc.dimensions["time"].size)
        if fmt is None:
            report["missing_fields"].append("xco (GGG2020) or xco_ppb (GGG2014)")
        required = tccon.REQUIRED_2014 if fmt == "ggg2014" else tccon.REQUIRED_2020
        if fmt == "ggg2020":
            required = required + ("xco", "xco_error")
        report["missing_fields"] += [name for name in required if name not in variables]
        if fmt == "ggg2020":
            report["absent_optional"] += [name for name in tccon.GGG2020_PUBLIC_USED
                                          if name not in variables and name not in required]
        if "time" in variables:
            try:
                step = tccon._time_unit_seconds(variables["time"], path)
                t = np.asarray(tccon._var(nc, path, "time")[1], dtype=np.float64) * step
                t = t[np.isfinite(t)]
                if t.size:
                    report["time_start"], report["time_end"] = _iso(t.min()), _iso(t.max())
            except BadInputError as exc:
                report["scale_problems"].append({"field": "time", "message": exc.detail})
        for name in ("xco", "xco_ppb"):
            if name in variables:
                units = str(getattr(variables[name], "units", "")).strip()
                if fmt == "ggg2020" and units not in tccon._PARTS:
                    report["scale_problems"].append({"field": name, "message": f"unknown mole-fraction units {units!r}"})
        for name in ("pout", "pout_hPa"):
            if name in variables:
                units = str(getattr(variables[name], "units", "hPa")).strip().lower()
                if units not in tccon._PRESSURE_TO_HPA:
                    report["scale_problems"].append({"field": name, "message": f"unknown pressure units {units!r}"})
    if fmt is None or not m:
        return
    try:
        out = tccon.read(path)
    except BadInputError as exc:
        report["reader_error"] = exc.as_record()
        return
    _median_check(report, "xco", out["xco"], "xco_ppb" if fmt == "ggg2014" else "xco")
    _median_check(report, "psurf", out["pout"], "pout_hPa" if fmt == "ggg2014" else "pout")
    report["reader_ok"] = True


def _inspect_gosat(path: Path, report: dict, content: bool = True) -> None:
    """What the NIES file name says; then (``content``) the product from ``/Global/metadata``,
    every dataset of that product's layout (missing, or of the wrong shape), the time range, and
    the reader's verdict."""
    import h5py

    from satcol.instruments.gosat import reader as gosat

    report["reader"] = READERS["gosat"]
    parsed = gosat.parse_filename(path)
    if parsed is None:
        report["problems"].append("file name does not match GOSATTFTSYYYYMMDD_02C0[12]SVvvvvRyymmdd?????.h5 "
                                  "(the NIES daily L2 name)")
    if not content:
        return
    with h5py.File(path, "r") as f:
        try:
            info = gosat.file_info(f, path)
        except BadInputError as exc:
            report["reader_error"] = exc.as_record()
            return
        report["instrument"] = f"GOSAT {info.species} ({info.product_code})"
        report["version"] = f"V{info.product_version}"
        t = f.get(f"{gosat.SA}/time")
        n = int(t.shape[0]) if isinstance(t, h5py.Dataset) and t.ndim == 1 else None
        report["n_soundings"] = n
        for fld in gosat.layout(info.species, info.generation):
            d = f.get(fld.path)
            if not isinstance(d, h5py.Dataset):
                report["missing_fields"].append(fld.path)
                continue
            want = ((n,) + tuple(fld.shape)) if (fld.per_sounding and n is not None) else tuple(fld.shape)
            if fld.per_sounding and n is None:
                continue
            if tuple(d.shape) != want:
                report["bad_fields"].append({"field": fld.path,
                                             "message": f"shape {tuple(d.shape)}, the reader expects {want}"})
    if report["missing_fields"] or report["bad_fields"]:
        return
    try:
        table, _, info = gosat.read_gosat(path)
    except BadInputError as exc:
        report["reader_error"] = exc.as_record()
        return
    times = np.asarray(table["time"], dtype=np.float64)
    times = times[np.isfinite(times)]
    if times.size:
        report["time_start"], report["time_end"] = _iso(times.min()), _iso(times.max())
    var = gosat.SPECIES[info.species]["variable"]
    _median_check(report, var, table[var], var)
    report["reader_ok"] = True


def inspect_file(path) -> dict:
    """Inspect one file.

    Parameters
    ----------
    path : str or Path
        Any file.

    Returns
    -------
    dict
        ``path``, ``kind`` ('mopitt', 'gosat', 'tccon' or 'unknown'), ``container`` ('hdf5', 'netcdf3',
        'empty', 'other', or 'missing'), ``instrument``, ``version``, ``n_soundings`` (MOPITT
        soundings or TCCON spectra), ``time_start``/``time_end`` (ISO 8601 UTC), ``reader``
        (the satcol function that reads it, None for an unknown file), ``missing_fields``
        (required by the reader and absent), ``bad_fields`` (present with the wrong shape),
        ``absent_optional``, ``scale_problems`` (units the reader does not know, or medians of
        XCO (ppb) and surface pressure (hPa) outside :data:`PLAUSIBLE`), ``problems`` (anything
        else), ``reader_error`` (the reader's :class:`BadInputError` as a record, or None),
        ``reader_ok`` and ``ok`` (True when the reader read the file and nothing above is
        wrong).
    """
    path = Path(path)
    report = {"path": str(path), "kind": "unknown", "container": None, "instrument": None, "version": None,
              "n_soundings": None, "time_start": None, "time_end": None, "reader": None,
              "missing_fields": [], "bad_fields": [], "absent_optional": [], "scale_problems": [],
              "problems": [], "reader_error": None, "reader_ok": False}
    if not path.is_file():
        report["container"] = "missing"
        report["problems"].append("no such file" if not path.exists() else "not a regular file")
        report["ok"] = False
        return report
    report["container"] = container = _sniff(path)
    if container in ("empty", "other"):
        report["problems"].append("empty file" if container == "empty"
                                  else "not an HDF5 or netCDF file (no HDF5 or netCDF signature at its start)")
    report["kind"] = kind = _guess_kind(path, container) if container in ("hdf5", "netcdf3") else _name_kind(path)
    report["reader"] = READERS.get(kind)
    unopenable = _hdf5_open_problem(path) if container == "hdf5" else None
    if unopenable:
        report["problems"].append(unopenable)
    readable = container in ("hdf5", "netcdf3") and not unopenable
    if kind == "mopitt":
        _inspect_mopitt(path, report, content=readable)
    elif kind == "gosat":
        _inspect_gosat(path, report, content=readable)
    elif kind == "tccon":
        _inspect_tccon(path, report, content=readable)
    elif readable:
        report["problems"].append("neither a MOPITT L2 file (no HDFEOS/SWATHS/MOP02 groups), a GOSAT NIES L2 file "
                                  "(no Global/metadata) nor a TCCON file (no xco or xco_ppb variable): no satcol "
                                  "reader applies")
    report["ok"] = bool(report["reader_ok"] and not (report["missing_fields"] or report["bad_fields"]
                                                   or report["scale_problems"] or report["problems"]))
    return report


def _name_kind(path: Path) -> str:
    from satcol.instruments.gosat import reader as gosat
    from satcol.instruments.mopitt import reader as mopitt
    from satcol.validation import tccon

    if mopitt.FILENAME_RE.match(path.name):
        return "mopitt"
    if gosat.FILENAME_RE.match(path.name):
        return "gosat"
    if tccon.FILENAME_RE.match(path.name):
        return "tccon"
    return "unknown"


def format_report(r: dict) -> str:
    """A report of :func:`inspect_file` as indented human-readable text."""
    kind = {"mopitt": "MOPITT L2", "gosat": "GOSAT L2", "tccon": "TCCON", "unknown": "unknown"}[r["kind"]]
    lines = [f"{r['path']}", f"  kind:        {kind}" + (f" ({r['instrument']})" if r.get("instrument") else "")]
    if r.get("version"):
        lines.append(f"  version:     {r['version']}")
    if r.get("site"):
        lines.append(f"  site:        {r['site']}")
    if r.get("n_soundings") is not None:
        lines.append(f"  {('spectra:' if r['kind'] == 'tccon' else 'soundings:'):<13}{r['n_soundings']}")
    if r.get("time_start"):
        lines.append(f"  time range:  {r['time_start']} .. {r['time_end']}")
    lines.append(f"  reader:      {r['reader'] or 'none (satcol reads MOPITT L2, GOSAT NIES L2 and TCCON files only)'}")
    for name in r["missing_fields"]:
        lines.append(f"  MISSING:     {name}")
    for b in r["bad_fields"]:
        lines.append(f"  BAD SHAPE:   {b['field']}: {b['message']}")
    for s in r["scale_problems"]:
        lines.append(f"  SCALE:       {s['field']}: {s['message']}")
    for p in r["problems"]:
        lines.append(f"  PROBLEM:     {p}")
    if r["reader_error"]:
        e = r["reader_error"]
        lines.append(f"  READER:      fails: {e['message']}" + (f" [{e['dataset']}]" if e["dataset"] else "")
                     + f" (reason: {e['reason']})")
    if r["absent_optional"]:
        lines.append(f"  optional fields absent: {', '.join(r['absent_optional'])}")
    lines.append(f"  verdict:     {'OK, satcol reads this file' if r['ok'] else 'NOT USABLE as it is (see above)'}")
    return "\n".join(lines)
