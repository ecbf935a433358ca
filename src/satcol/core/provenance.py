"""Provenance recorded in every output: satcol version, git commit, config hash, input checksums."""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import mmap
import os
import subprocess
from pathlib import Path

from satcol import __version__

_CHUNK = 4 * 1024 * 1024


def sha256_file(path) -> str:
    """Hex SHA-256 of a file's bytes (memory-mapped: no copy through a read buffer)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return h.hexdigest()
        try:
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
                h.update(m)
                return h.hexdigest()
        except (OSError, ValueError):  # a file system without mmap
            pass
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


#: (absolute path, size, mtime ns) -> SHA-256, this process's checksums (:func:`input_checksum`).
_SUMS: dict = {}


def input_checksum(path) -> str:
    """:func:`sha256_file`, computed once per process for a file of unchanged size and
    modification time: a job that records the same input in several outputs (a year's store in
    each month's export) hashes it once."""
    st = os.stat(path)
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    if key not in _SUMS:
        _SUMS[key] = sha256_file(path)
    return _SUMS[key]


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (_dt.date, _dt.datetime)):
        return obj.isoformat()
    return obj


def config_hash(config: dict, upstream=()) -> str:
    """SHA-256 of the config as canonical JSON (sorted keys), independent of key order.

    ``config`` is the part of the config a job received (its params); ``upstream`` the config
    hashes recorded in the job's inputs (:func:`recorded_config_hash`). With ``upstream`` the
    hash covers both, so that it changes with any config value the product depends on, and
    with no other."""
    doc = _jsonable(config) if not upstream else {"job": _jsonable(config), "upstream": sorted(set(upstream))}
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def recorded_config_hash(source) -> str:
    """The config hash recorded in a product: a provenance dict, a report dict with a
    ``provenance`` entry, a JSON file with one, or a Parquet file written with provenance
    (:func:`satcol.core.store.write_frame`). KeyError when there is none."""
    if isinstance(source, dict):
        return source.get("provenance", source)["config_sha256"]
    path = Path(source)
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        meta = pq.read_schema(path).metadata or {}
        return json.loads(meta[b"satcol_provenance"])["config_sha256"]
    with open(path) as f:
        return recorded_config_hash(json.load(f))


def git_commit(repo_dir=None) -> str:
    """The commit of the satcol checkout (``+dirty`` if it has uncommitted changes), or 'unknown'.
    Asked of git once per process and checkout (a job writing a file a month would otherwise run
    two git commands for each)."""
    return _git_commit(str(Path(repo_dir).resolve()) if repo_dir else str(Path(__file__).resolve().parents[3]))


@functools.lru_cache(maxsize=None)
def _git_commit(repo_dir: str) -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(repo_dir), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo_dir), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def provenance(config: dict, inputs=(), checksums: dict | None = None, upstream=()) -> dict:
    """Provenance block. ``checksums`` maps file name -> sha256 where already computed.

    ``config`` is the slice of the config the job received through its params, ``upstream``
    the config hashes its inputs carry (:func:`config_hash`): two runs that differ only in a
    config value this product does not depend on record the same hash.

    No wall-clock time is recorded: the same inputs and config give the same bytes in every
    output (issue #6); when a run happened is in its logs and Snakemake's metadata."""
    sums = dict(checksums or {})
    for p in inputs:
        name = str(p)
        if name not in sums:
            sums[name] = input_checksum(p)
    return {
        "satcol_version": __version__,
        "git_commit": git_commit(),
        "config_sha256": config_hash(config, upstream),
        "input_sha256": dict(sorted(sums.items())),
    }


def with_store(config: dict, store_report: dict, inputs=(), upstream=()) -> dict:
    """Provenance of a product built from a month's store (the ingest report ``store_report``)
    and further ``inputs``. The store (1.5 GB a full-density month) is named by the checksums of
    the L2 files it was built from, recorded when ingest read them, rather than hashed again
    in every stage: it is a deterministic function of those files, the config and the commit
    (issue #6; issue #7 for the cost). The config hash covers the store's own (ingest's)."""
    return provenance(config, inputs=inputs, checksums=store_report["provenance"]["input_sha256"],
                      upstream=[recorded_config_hash(store_report), *upstream])


def netcdf_attrs(prov: dict) -> dict:
    """Flatten provenance into global netCDF attributes (strings only)."""
    return {
        "satcol_version": prov["satcol_version"],
        "satcol_git_commit": prov["git_commit"],
        "satcol_config_sha256": prov["config_sha256"],
        "satcol_input_sha256": json.dumps(prov["input_sha256"], sort_keys=True),
    }
