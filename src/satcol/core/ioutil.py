"""Atomic output files: write to a temporary name beside the target, then rename.

A job killed mid-write (a cluster's time limit, a Ctrl-C) leaves at most a ``.*.part-*`` file,
never a truncated file under the output's own name. Snakemake's incomplete-output markers
(``--rerun-incomplete``) then rerun the job; nothing partial is taken for complete.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path

import yaml


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path`` (same suffix, so writers infer the format);
    rename it to ``path`` when the block succeeds, remove it when it fails."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.part-{os.getpid()}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


#: glibc malloc tunables for the workflow's jobs: large blocks from the heap rather than fresh
#: mappings (``mmap_max=0``), and the heap not handed back to the system while the job runs
#: (``trim_threshold``, 64 GiB). A month's array is 26-51 MB, above glibc's largest mmap
#: threshold (32 MB), so every temporary was a new mapping whose pages the kernel zeroes and the
#: benchmark VMs fault in from the host, again for each temporary. With the heap reused the
#: SRA job's kernel time fell by a third and the export's super-observations by 0.5 s, peak
#: memory unchanged (issue #7, benchmarks/RESULTS.md). Allocation only: no result changes.
MALLOC_TUNABLES = "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736"


def set_job_allocator(environ) -> bool:
    """Give the jobs :data:`MALLOC_TUNABLES` through ``GLIBC_TUNABLES`` in ``environ`` (the
    workflow's environment, which its jobs inherit), unless the user has set ``GLIBC_TUNABLES``
    already; True if set here."""
    if "GLIBC_TUNABLES" in environ:
        return False
    environ["GLIBC_TUNABLES"] = MALLOC_TUNABLES
    return True


def drop_from_page_cache(path) -> None:
    """Tell the kernel that the cached pages of ``path`` will not be read again
    (``posix_fadvise(POSIX_FADV_DONTNEED)``); dirty pages are written back first. A no-op where
    the call does not exist. Changes no data, only what stays cached.

    For files a job reads or writes once and the workflow does not read again: ingest reads and
    hashes each L2 file once, 14 GB for a full-density month, and the export writes 1.3-5.4 GB.
    Left in the page cache they crowd out what is read again (the month's store) and the rest
    of the machine: on the benchmark machines a 30-day month's ingest took 44 s instead of 24 s,
    most of the difference kernel time (issue #7, benchmarks/RESULTS.md)."""
    if not hasattr(os, "posix_fadvise"):
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    except OSError:
        pass
    finally:
        os.close(fd)


def parquet_options(schema) -> dict:
    """Parquet writer options for every table satcol writes: zstd level 1, and dictionary
    encoding only for integer columns. Dictionary-encoding float columns (the pyarrow default)
    made the store write 5x slower (a hash per value) and the files larger (issue #7,
    benchmarks/RESULTS.md)."""
    import pyarrow as pa

    ints = [f.name for f in schema if pa.types.is_integer(f.type) and f.type.bit_width <= 16]
    return {"compression": "zstd", "compression_level": 1, "use_dictionary": ints or False}


def write_arrow_parquet(table, path):
    """Write an Arrow table as Parquet, atomically, with :func:`parquet_options`."""
    import pyarrow.parquet as pq

    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, **parquet_options(table.schema))


def write_parquet(df, path):
    import pyarrow as pa

    write_arrow_parquet(pa.Table.from_pandas(df, preserve_index=False), path)


def write_csv(df, path, **kwargs):
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False, **kwargs)


def write_json(obj, path, indent=2):
    with atomic_path(path) as tmp:
        with open(tmp, "w") as f:
            json.dump(obj, f, indent=indent, sort_keys=False, default=_plain)
            f.write("\n")


def _plain(v):
    """numpy scalars and arrays as Python values; anything else as its string."""
    if hasattr(v, "tolist"):
        return v.tolist()
    return str(v)


def write_yaml(obj, path, **kwargs):
    with atomic_path(path) as tmp:
        with open(tmp, "w") as f:
            yaml.safe_dump(obj, f, **kwargs)
