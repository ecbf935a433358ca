"""Ingest: raw L2 files of one month -> the canonical monthly store, with an accounting report."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from . import qc as qcmod
from . import store
from .errors import BadInputError
from .io import mopitt
from .ioutil import drop_from_page_cache
from .provenance import netcdf_attrs, provenance, sha256_file

log = logging.getLogger("satcol.ingest")


def handle_bad(err: BadInputError, on_bad_input: str, skipped: list):
    """Raise in 'fail' mode; in 'skip' mode log and record the skip under its reason."""
    if on_bad_input != "skip":
        raise err
    log.warning("skipping bad input: %s", err)
    skipped.append(err.as_record())


def sounding_ids(day, n: int) -> np.ndarray:
    """Unique sounding id: YYYYMMDD * 1e7 + index in the day's file."""
    return np.int64(int(day.strftime("%Y%m%d"))) * np.int64(10_000_000) + np.arange(n, dtype=np.int64)


def input_fill_mask(table: dict, profiles: dict) -> np.ndarray:
    """Soundings missing a value the pipeline needs (fill/NaN): flagged with bit input_fill."""
    bad = np.zeros(len(table["xco"]), dtype=bool)
    for key in ("lat", "lon", "xco", "xco_err", "psurf", "dof", "sza"):
        bad |= ~np.isfinite(table[key])
    valid = np.isfinite(profiles["retrieved_vmr"])
    ak = profiles["averaging_kernel"]
    # A non-finite AK element between two retrieved levels: (valid_i & valid_j) > finite_ij; in
    # row blocks, so that the (n, 10, 10) temporaries stay in the cache.
    for start in range(0, len(ak), mopitt.BLOCK_ROWS):
        rows = slice(start, start + mopitt.BLOCK_ROWS)
        v = valid[rows]
        ak_bad = np.greater(v[:, :, None] & v[:, None, :], np.isfinite(ak[rows]))
        bad[rows] |= ak_bad.reshape(len(ak_bad), -1).any(axis=1)
    bad |= ~np.isfinite(np.where(valid, profiles["prior_vmr"], 0.0)).all(axis=1)
    return bad


def ingest_mopitt_month(month: str, files, table_path, profiles_path, config: dict) -> dict:
    """Ingest the MOPITT files of ``month``; returns the month report (counts, skips, provenance)."""
    on_bad = config.get("on_bad_input", "fail")
    skipped: list[dict] = []
    infos = []
    for f in sorted(map(str, files)):
        try:
            infos.append(mopitt.parse_filename(f))
        except BadInputError as err:
            handle_bad(err, on_bad, skipped)
    by_day = mopitt.versions_per_day(infos)
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
                    raw, info = mopitt.read_mop02(candidate.path), candidate
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
            table, profiles = mopitt.canonical(raw)
            n = len(table["xco"])
            qc = np.zeros(n, dtype=qcmod.QC_DTYPE)
            qcmod.set_bit(qc, "input_fill", input_fill_mask(table, profiles))
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
                writer = store.MonthStoreWriter(table_path, profiles_path, {})
            writer.append(table, profiles)
            surfaces.append(table["surface"])
            qcs.append(qc)
            log.info("[%s] day %d/%d %s: %d soundings (%.1f s)", month, k + 1, len(by_day), info.path.name, n,
                     time.perf_counter() - t_start)
        prov = provenance(config, checksums=checksums)
        if writer is None:
            writer = store.MonthStoreWriter(table_path, profiles_path, {})
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
    surf_names = {0: "water", 1: "land", 2: "mixed"}
    surface_ids, per_surface = np.unique(np.concatenate(surfaces or [np.zeros(0, np.int8)]), return_counts=True)
    by_surface = {surf_names.get(int(k), str(k)): int(v) for k, v in zip(surface_ids, per_surface, strict=True)}
    qc = np.concatenate(qcs or [np.zeros(0, qcmod.QC_DTYPE)])
    return {
        "month": month,
        "n_soundings": int(len(qc)),
        "by_surface": by_surface,
        "qc_counts": qcmod.counts_per_bit(qc),
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


def ingest_tccon_site(site: str, files, out_path, config: dict, period=None) -> dict:
    """Ingest one site's TCCON files into ``results/store/tccon/<site>.nc``; returns the report."""
    import xarray as xr

    from .io import tccon

    on_bad = config.get("on_bad_input", "fail")
    skipped, parts, checksums = [], [], {}
    for f in sorted(map(str, files)):
        try:
            parts.append(tccon.read_ggg2014(f, period))
            checksums[Path(f).name] = sha256_file(f)
        except BadInputError as err:
            handle_bad(err, on_bad, skipped)
    prov = provenance(config, checksums=checksums)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    ds_list = []
    for k, p in enumerate(parts):
        ds_list.append(xr.Dataset(
            {
                "time": ("obs", (p["time"] * 1e6).astype("int64").astype("datetime64[us]")),
                "xco": ("obs", p["xco"], {"units": "1e-9", "long_name": "TCCON XCO, public (WMO-scaled)"}),
                "xco_error": ("obs", p["xco_error"], {"units": "1e-9"}),
                "xco_unscaled": ("obs", p["xco_unscaled"], {"units": "1e-9", "long_name": "TCCON XCO without the WMO (airmass-independent) scaling"}),
                "aicf": ("obs", p["aicf"], {"units": "1"}),
                "pout": ("obs", p["pout"], {"units": "hPa"}),
                "sza": ("obs", p["sza"], {"units": "degree"}),
                "prior_co": (("obs", "prior_level"), p["prior_co"][p["prior_index"]], {"units": "1e-9"}),
                "prior_pressure": (("obs", "prior_level"), p["prior_pressure"][p["prior_index"]], {"units": "hPa"}),
                "ak": (("obs", "ak_level"), p["ak_obs"], {"units": "1", "long_name": "column AK at the measurement SZA"}),
                "source_file": ("obs", np.full(p["time"].size, k, dtype=np.int32)),
                "source_index": ("obs", p["record_index"]),
            },
            coords={"ak_pressure": ("ak_level", p["ak_pressure"], {"units": "hPa"})},
        ))
    if ds_list:
        ds = xr.concat(ds_list, dim="obs") if len(ds_list) > 1 else ds_list[0]
        ds = ds.isel(obs=np.argsort(ds["time"].values, kind="stable"))
        ds.attrs.update({"site_id": site, "lat": parts[0]["lat"], "lon": parts[0]["lon"],
                         "zobs_km": parts[0]["zobs_km"]})
    else:
        ds = xr.Dataset(attrs={"site_id": site})
    ds.attrs.update(netcdf_attrs(prov))
    ds.attrs["Conventions"] = "CF-1.8"
    ds.attrs["source_files"] = " ".join(p["file"] for p in parts)
    tmp = out_path.with_name(out_path.name + ".part")
    ds.to_netcdf(tmp, engine="h5netcdf")
    tmp.replace(out_path)
    return {"site": site, "n_measurements": int(ds.sizes.get("obs", 0)),
            "files": [{"file": p["file"], "n_measurements": int(p["time"].size)} for p in parts],
            "skipped": skipped, "provenance": prov}
