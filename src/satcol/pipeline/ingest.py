"""Ingest: raw L2 files of one month -> the canonical monthly store, with an accounting report."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from satcol import instruments
from satcol.core import store
from satcol.core.errors import BadInputError, handle_bad_input
from satcol.core.ioutil import drop_from_page_cache
from satcol.core.provenance import netcdf_attrs, provenance, sha256_file
from satcol.instruments.mopitt import qc as qcmod
from satcol.instruments.mopitt.instrument import input_fill_mask  # noqa: F401 (old name)

log = logging.getLogger("satcol.pipeline.ingest")


def handle_bad(err: BadInputError, on_bad_input: str, skipped: list):
    """Raise in 'fail' mode; in 'skip' mode log and record the skip under its reason
    (:func:`satcol.core.errors.handle_bad_input`)."""
    handle_bad_input(err, on_bad_input, skipped, log)


def sounding_ids(day, n: int) -> np.ndarray:
    """Unique sounding id: YYYYMMDD * 1e7 + index in the day's file."""
    return np.int64(int(day.strftime("%Y%m%d"))) * np.int64(10_000_000) + np.arange(n, dtype=np.int64)


def ingest_mopitt_month(month: str, files, table_path, profiles_path, config: dict) -> dict:
    """Ingest the MOPITT files of ``month``; returns the month report (counts, skips, provenance).
    :func:`ingest_month` with the MOPITT instrument."""
    return ingest_month(instruments.get("mopitt"), month, files, table_path, profiles_path, config)


def ingest_month(instrument, month: str, files, table_path, profiles_path, config: dict) -> dict:
    """Ingest one month of an instrument's L2 files into the canonical store.

    Parameters
    ----------
    instrument : satcol.instruments.base.Instrument
        Gives the file-name parser, the version choice per day, the reader, the ``input_fill``
        check, the store's columns and profile arrays and the QC registry.
    month : str
        ``YYYY-MM``, for the report and the log.
    files : iterable of path
        The month's L2 files (several processor versions of a day: the newest readable one is
        used, the others are reported as superseded).
    table_path, profiles_path : path
        The store's ``soundings.parquet`` and ``profiles.nc``, written atomically.
    config : dict
        ``on_bad_input``: ``fail`` (raise BadInputError) or ``skip`` (record and go on).

    Returns
    -------
    dict
        The month report: counts (total, per surface, per QC bit, kept, flagged), the files used
        with their SHA-256, superseded versions, skipped files with reasons, provenance.
    """
    registry = instrument.qc
    on_bad = config.get("on_bad_input", "fail")
    skipped: list[dict] = []
    infos = []
    for f in sorted(map(str, files)):
        try:
            infos.append(instrument.parse_filename(f))
        except BadInputError as err:
            handle_bad(err, on_bad, skipped)
    by_day = instrument.select_versions(infos)
    checksums, file_records, superseded = {}, [], []
    surfaces, qcs = [], []  # what the store holds, for the report
    writer = None
    t_start = time.perf_counter()
    # Each file is hashed (provenance) in a thread, one day ahead of the main thread, which
    # reads it with h5py: hashlib lets go of the GIL, so the hash of the next day's file reads
    # it from disk while this day's file is decoded and written, and h5py then finds it in the
    # page cache. Each file is read from disk once (issue #7, benchmarks/RESULTS.md).
    hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")
    days = list(by_day.items())
    digests = {}  # path -> future of its SHA-256

    def hash_ahead(k: int):
        """Start hashing the newest version of day ``k`` (the one read unless it is bad)."""
        if k < len(days) and days[k][1][0].path not in digests:
            digests[days[k][1][0].path] = hasher.submit(sha256_file, days[k][1][0].path)

    try:
        hash_ahead(0)
        for k, (day, versions) in enumerate(days):
            raw, info = None, None
            for i, candidate in enumerate(versions):
                digest = digests.pop(candidate.path, None) or hasher.submit(sha256_file, candidate.path)
                hash_ahead(k + 1)
                try:
                    raw, info = instrument.read(candidate.path), candidate
                except BadInputError as err:
                    handle_bad(err, on_bad, skipped)  # raises in 'fail' mode
                    continue
                superseded += versions[i + 1:]
                break
            if raw is None:
                continue
            if len(versions) > 1:
                log.info("%s: using processor version %s; superseded: %s", day, info.version,
                         ", ".join(v.path.name for v in versions if v is not info))
            table, profiles = raw
            n = len(table["xgas"])
            qc = np.zeros(n, dtype=qcmod.QC_DTYPE)
            registry.set_bit(qc, "input_fill", instrument.input_fill(table, profiles))
            table["qc"] = qc
            table["sounding_id"] = sounding_ids(info.date, n)
            table["source_file"] = np.full(n, len(file_records), dtype=np.int32)
            table["source_index"] = np.arange(n, dtype=np.int32)
            checksums[info.path.name] = digest.result()
            drop_from_page_cache(info.path)  # read and hashed: not needed again (issue #7)
            file_records.append({"file": str(info.path), "version": info.version, "beta": info.beta,
                                 "date": info.date.isoformat(),
                                 "n_soundings": n, "sha256": checksums[info.path.name]})
            if writer is None:
                writer = store.MonthStoreWriter(table_path, profiles_path, {}, instrument)
            writer.append(table, profiles, source=info.path)
            surfaces.append(table["surface"])
            qcs.append(qc)
            log.info("[%s] day %d/%d %s: %d soundings (%.1f s)", month, k + 1, len(by_day), info.path.name, n,
                     time.perf_counter() - t_start)
        prov = provenance(config, checksums=checksums)
        if writer is None:
            writer = store.MonthStoreWriter(table_path, profiles_path, {}, instrument)
        for key, val in netcdf_attrs(prov).items():
            writer._nc.attrs[key] = val
        writer.close()
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    finally:
        hasher.shutdown(wait=True, cancel_futures=True)
    # Counts from the arrays just written (re-reading the table through pyarrow imports pandas,
    # 0.4 s of a job that otherwise does without it).
    surf_names = instruments.SURFACE_NAMES
    surface_ids, per_surface = np.unique(np.concatenate(surfaces or [np.zeros(0, np.int8)]), return_counts=True)
    by_surface = {surf_names.get(int(k), str(k)): int(v) for k, v in zip(surface_ids, per_surface, strict=True)}
    qc = np.concatenate(qcs or [np.zeros(0, qcmod.QC_DTYPE)])
    return {
        "month": month,
        "n_soundings": int(len(qc)),
        "by_surface": by_surface,
        "qc_counts": registry.counts_per_bit(qc),
        "n_kept": int(np.count_nonzero(qc == 0)),
        "n_flagged": int(np.count_nonzero(qc != 0)),
        "files": file_records,
        "superseded": [{"file": str(s.path), "version": s.version, "beta": s.beta, "date": s.date.isoformat(),
                        "reason": "superseded_version"} for s in superseded],
        "skipped": skipped,
        "provenance": prov,
    }


def resolve_path(path, *bases) -> Path:
    """Resolve a config path: as given (relative to the working directory), else under each base."""
    p = Path(path)
    if p.is_absolute() or p.exists():
        return p
    for b in bases:
        if (Path(b) / p).exists():
            return Path(b) / p
    return p


TCCON_STORE_NOTE_2020_UNSCALED = (
    "not available: a GGG2020 file gives no XCO without its in situ scaling (public files carry no "
    "AICF); see xco:wmo_or_analogous_scale for what xco is tied to")


def tccon_store_part(p: dict, k: int):
    """One file's spectra (a :func:`satcol.validation.tccon.read` dict) in the per-site store layout that
    :mod:`satcol.validation.colocation` reads (dimension ``obs``): ``xco``, ``xco_error``, ``xco_unscaled``,
    ``pout``, ``sza``, ``prior_co`` and ``prior_pressure`` (obs, prior_level; **dry** mole
    fraction, ppb, and hPa), ``ak`` (obs, ak_level) on ``ak_pressure`` (ak_level, hPa).

    GGG2014 and GGG2020 differ in what stands behind the names (docs/formats-tccon.md):
    GGG2014 ``xco`` is WMO-scaled and ``xco_unscaled`` = xco x AICF; GGG2020 ``xco`` is what the
    file's ``wmo_or_analogous_scale`` says (``Not used`` for CO in GGG2020) and ``xco_unscaled``
    is NaN (not in the file). GGG2020 priors are wet mole fractions f_wet; the store holds
    f_dry = f_wet / (1 - f_h2o), and ``integration_operator`` (obs, prior_level) = h (1 - f_h2o),
    so that sum_i integration_operator_i f_dry,i = sum_i h_i f_wet,i, the file's prior column.
    GGG2020 files also give ``xco2``/``xch4`` with errors, dry priors and AKs. Only spectra
    with a finite XCO enter the store (the window means of colocation need it); returns
    (Dataset, number of spectra left out for a non-finite XCO).
    """
    import xarray as xr

    good = np.isfinite(p["xco"])
    sel = np.flatnonzero(good)
    n = sel.size
    f64 = lambda a: np.asarray(a, dtype=np.float64)[sel]  # noqa: E731
    data = {
        "time": ("obs", (f64(p["time"]) * 1e6).astype("int64").astype("datetime64[us]")),
        "xco_error": ("obs", f64(p["xco_error"]), {"units": "1e-9"}),
        "pout": ("obs", f64(p["pout"]), {"units": "hPa"}),
        "sza": ("obs", f64(p["sza"]), {"units": "degree"}),
        "source_file": ("obs", np.full(n, k, dtype=np.int32)),
        "source_index": ("obs", np.asarray(p["record_index"])[sel]),
    }
    if p.get("format", "ggg2014") == "ggg2014":
        idx = p["prior_index"][sel]
        data.update({
            "xco": ("obs", f64(p["xco"]), {"units": "1e-9", "long_name": "TCCON XCO, public (WMO-scaled)",
                                           "wmo_or_analogous_scale": "WMO (GGG2014 public: AICF applied)"}),
            "xco_unscaled": ("obs", f64(p["xco_unscaled"]), {
                "units": "1e-9", "long_name": "TCCON XCO without the WMO (airmass-independent) scaling"}),
            "aicf": ("obs", f64(p["aicf"]), {"units": "1"}),
            "prior_co": (("obs", "prior_level"), p["prior_co"][idx], {"units": "1e-9"}),
            "prior_pressure": (("obs", "prior_level"), p["prior_pressure"][idx], {"units": "hPa"}),
            "ak": (("obs", "ak_level"), f64(p["ak_obs"]), {"units": "1", "long_name": "column AK at the measurement SZA"}),
        })
        coords = {"ak_pressure": ("ak_level", p["ak_pressure"], {"units": "hPa"})}
        return xr.Dataset(data, coords=coords), int(good.size - n)
    dry = 1.0 - f64(p["prior_h2o"])
    ak_p = np.asarray(p["ak_pressure"], dtype=np.float64)
    if ak_p.ndim == 2:  # AKs on the prior grid: one pressure axis for the store, the median profile
        ak_p = np.nanmedian(ak_p, axis=0)
    data.update({
        "xco": ("obs", f64(p["xco"]), {"units": "1e-9", "long_name": "TCCON XCO as in the file (GGG2020)",
                                       "wmo_or_analogous_scale": p["xco_scale"]}),
        "xco_unscaled": ("obs", np.full(n, np.nan), {"units": "1e-9", "comment": TCCON_STORE_NOTE_2020_UNSCALED}),
        "prior_co": (("obs", "prior_level"), f64(p["prior_co"]) / dry,
                     {"units": "1e-9", "long_name": "prior CO dry mole fraction (file's wet prior / (1 - prior_h2o))"}),
        "prior_pressure": (("obs", "prior_level"), f64(p["prior_pressure"]), {"units": "hPa"}),
        "prior_xco": ("obs", f64(p["prior_xco"]), {"units": "1e-9"}),
        "integration_operator": (("obs", "prior_level"), f64(p["integration_operator"]) * dry, {
            "units": "1", "long_name": "TCCON integration operator for dry mole fractions: h (1 - prior_h2o)"}),
        "ak": (("obs", "ak_level"), f64(p["ak_xco"]), {"units": "1", "long_name": "XCO column AK (file)"}),
    })
    for gas, unit in (("co2", "1e-6"), ("ch4", "1e-9")):
        if gas in p["gases"]:
            data[f"x{gas}"] = ("obs", f64(p[f"x{gas}"]), {"units": unit, "wmo_or_analogous_scale": p[f"x{gas}_scale"],
                                                          "source_variable": p[f"x{gas}_source"]})
            data[f"x{gas}_error"] = ("obs", f64(p[f"x{gas}_error"]), {"units": unit})
            data[f"prior_{gas}"] = (("obs", "prior_level"), f64(p[f"prior_{gas}"]) / dry, {"units": unit})
            data[f"ak_x{gas}"] = (("obs", "ak_level"), f64(p[f"ak_x{gas}"]), {"units": "1"})
    coords = {"ak_pressure": ("ak_level", ak_p, {"units": "hPa"}),
              "prior_altitude": ("prior_level", np.asarray(p["prior_altitude"], dtype=np.float64), {"units": "km"})}
    return xr.Dataset(data, coords=coords), int(good.size - n)


def ingest_tccon_site(site: str, files, out_path, config: dict, period=None) -> dict:
    """Ingest one site's TCCON files (GGG2014 or GGG2020, :func:`satcol.validation.tccon.read`) into
    ``results/store/tccon/<site>.nc`` (:func:`tccon_store_part`); returns the report."""
    import xarray as xr

    from satcol.validation import tccon

    on_bad = config.get("on_bad_input", "fail")
    skipped, parts, checksums = [], [], {}
    for f in sorted(map(str, files)):
        try:
            p = tccon.read(f, period)
            if parts and p.get("format") != parts[0].get("format"):
                raise BadInputError(f, "mixed_versions", f"a {p.get('format')} file among {parts[0].get('format')} files "
                                    f"of site {site}: ingest one GGG version per site", "file_format_version")
            parts.append(p)
            checksums[Path(f).name] = sha256_file(f)
        except BadInputError as err:
            handle_bad(err, on_bad, skipped)
    prov = provenance(config, checksums=checksums)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    ds_list, file_records = [], []
    for k, p in enumerate(parts):
        part, n_nonfinite = tccon_store_part(p, k)
        ds_list.append(part)
        file_records.append({"file": p["file"], "format": p.get("format", "ggg2014"),
                             "file_format_version": p.get("file_format_version", "GGG2014"),
                             "n_spectra_in_file": int(p.get("n_in", p["time"].size)),
                             "n_flagged_dropped": int(p.get("n_flagged", 0)),
                             "n_nonfinite_xco_dropped": n_nonfinite, "n_measurements": int(part.sizes["obs"])})
    if ds_list:
        ds = xr.concat(ds_list, dim="obs") if len(ds_list) > 1 else ds_list[0]
        ds = ds.isel(obs=np.argsort(ds["time"].values, kind="stable"))
        ds.attrs.update({"site_id": site, "lat": parts[0]["lat"], "lon": parts[0]["lon"],
                         "zobs_km": parts[0]["zobs_km"], "tccon_format": parts[0].get("format", "ggg2014"),
                         "xco_scale": str(ds["xco"].attrs.get("wmo_or_analogous_scale", "")),
                         "n_flagged_dropped": int(sum(r["n_flagged_dropped"] for r in file_records))})
    else:
        ds = xr.Dataset(attrs={"site_id": site})
    ds.attrs.update(netcdf_attrs(prov))
    ds.attrs["Conventions"] = "CF-1.8"
    ds.attrs["source_files"] = " ".join(p["file"] for p in parts)
    tmp = out_path.with_name(out_path.name + ".part")
    ds.to_netcdf(tmp, engine="h5netcdf")
    tmp.replace(out_path)
    return {"site": site, "n_measurements": int(ds.sizes.get("obs", 0)),
            "tccon_format": ds.attrs.get("tccon_format"), "xco_scale": ds.attrs.get("xco_scale"),
            "files": file_records, "skipped": skipped, "provenance": prov}
