"""Benchmark: ingest of one full-density synthetic MOPITT day against the raw h5py read.

Usage:  python benchmarks/bench_ingest.py [--orbits 14] [--repeat 3]

Writes benchmarks/results/ingest.json and prints a Markdown table for RESULTS.md. Both timings
read the same file from the page cache (warm), so the ratio measures satcol's own cost on top
of the unavoidable HDF5 read of exactly the fields ingest needs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import shutil
import time
from pathlib import Path

import h5py
import numpy as np

from satcol.core.config import load_config
from satcol.instruments.mopitt import reader as mopitt_io
from satcol.pipeline import ingest
from satcol.synthetic import mopitt, mopitt_writer

HERE = Path(__file__).resolve().parent


def raw_read(path) -> int:
    """The floor: h5py reads of exactly the datasets ingest needs, whole, nothing else."""
    total = 0
    with h5py.File(path, "r") as f:
        for table in (mopitt_io.REQUIRED, mopitt_io.OPTIONAL):
            for name, (group, _) in table.items():
                key = f"{group}/{name}"
                if key in f:
                    total += f[key][()].nbytes
    return total


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), times


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orbits", type=int, default=14, help="orbits in the day (14 = full density)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", default=str(HERE / "work"))
    args = ap.parse_args()

    work = Path(args.workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cfg = load_config(overrides={"synthetic": {"orbits_per_day": args.orbits}})
    day = dt.date(2010, 4, 16)
    t = time.perf_counter()
    fields, _ = mopitt.simulate_day(day, cfg["synthetic"])
    t_gen = time.perf_counter() - t
    path = mopitt_writer.write_mop02(work / mopitt_writer.file_name(day, "19.9.3"), fields, day, "19.9.3")
    n = int(fields["Latitude"].size)
    del fields

    raw_read(path)  # warm the page cache
    t_raw, raw_all = best_of(lambda: raw_read(path), args.repeat)
    nbytes = raw_read(path)

    def run_ingest():
        ingest.ingest_mopitt_month("2010-04", [path], work / "s.parquet", work / "p.nc", cfg)

    t_ing, ing_all = best_of(run_ingest, args.repeat)
    t_read, _ = best_of(lambda: mopitt_io.canonical(mopitt_io.read_mop02(path)), args.repeat)

    result = {
        "benchmark": "ingest_one_day",
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "cpu_count": __import__("os").cpu_count()},
        "orbits": args.orbits,
        "soundings": n,
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "fields_read_mb": round(nbytes / 1e6, 1),
        "generate_s": round(t_gen, 3),
        "raw_h5py_read_s": round(t_raw, 4),
        "read_and_derive_s": round(t_read, 4),
        "ingest_s": round(t_ing, 4),
        "ingest_over_raw": round(t_ing / t_raw, 2),
        "ingest_soundings_per_s": round(n / t_ing),
        "raw_soundings_per_s": round(n / t_raw),
        "all_runs_s": {"raw": [round(x, 4) for x in raw_all], "ingest": [round(x, 4) for x in ing_all]},
    }
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "ingest.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print()
    print("| soundings | file MB | raw h5py read (s) | read+derive (s) | ingest incl. store write (s) | ingest / raw | ingest soundings/s |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {n} | {result['file_mb']} | {t_raw:.3f} | {t_read:.3f} | {t_ing:.3f} | {t_ing / t_raw:.1f} | {n / t_ing:,.0f} |")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
