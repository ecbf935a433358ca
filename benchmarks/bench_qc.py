"""Benchmark: prefilter + SRA + filter stages on one full-density synthetic month.

Usage:  python benchmarks/bench_qc.py [--days 30] [--orbits 14] [--repeat 2] [--jobs 2]

The month is generated in the real format, one day at a time (simulate -> MOP02J file ->
ingest -> per-day store; the .he5 file is deleted once ingested, so the disk never holds more
than ``--jobs`` day files), then the per-day stores are concatenated into the month table the
per-month workflow rules read. Timed, on that table, with the workflow's own stage functions
(``satcol.instruments.mopitt.qcchain``):

- prefilter (QC bits + partial sums of the preliminary pixel bias),
- preliminary pixel-bias reduction (global; here one month),
- SRA: region ids, medians, anomalies, plus the per-candidate partial diagnostics,
- filter reduction + derivation (global; here one month),
- apply filters + feature-fit partial statistics.

Writes benchmarks/results/qc.json and prints a Markdown row for RESULTS.md.
"""

from __future__ import annotations

import argparse
import calendar as _cal
import datetime as dt
import json
import os
import platform
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from satcol.core import store
from satcol.core.config import REPO_DIR, load_config
from satcol.core.timeutil import day_start_unix
from satcol.instruments.mopitt import filters, qcchain
from satcol.pipeline import ingest
from satcol.synthetic import mopitt, mopitt_writer

HERE = Path(__file__).resolve().parent
MONTH = (2010, 4)


def make_day(args):
    day, orbits, work = args
    np.seterr(all="ignore")
    cfg = load_config(overrides={"synthetic": {"orbits_per_day": orbits}})
    fields, _ = mopitt.simulate_day(day, cfg["synthetic"])
    he5 = mopitt_writer.write_mop02(Path(work) / mopitt_writer.file_name(day, "19.9.3"), fields, day, "19.9.3")
    out = Path(work) / f"{day:%Y%m%d}.parquet"
    ingest.ingest_mopitt_month(f"{day:%Y-%m}", [he5], out, Path(work) / f"{day:%Y%m%d}.nc", cfg)
    os.remove(he5)
    os.remove(Path(work) / f"{day:%Y%m%d}.nc")
    return str(out)


def timed(fn, repeat):
    best, result = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=30, help="days of April 2010 to generate (30 = the whole month)")
    ap.add_argument("--orbits", type=int, default=14, help="orbits per day (14 = full density)")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=2, help="parallel processes for generating the month")
    ap.add_argument("--workdir", default=str(HERE / "work"))
    args = ap.parse_args()

    work = Path(args.workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    n_days = min(args.days, _cal.monthrange(*MONTH)[1])
    days = [dt.date(*MONTH, d) for d in range(1, n_days + 1)]
    t = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        parts = list(pool.map(make_day, [(d, args.orbits, str(work)) for d in days]))
    t_gen = time.perf_counter() - t
    table = pd.concat([store.read_soundings(p) for p in parts], ignore_index=True)
    n = len(table)
    print(f"{n:,} soundings in {n_days} days, generated + ingested in {t_gen:.0f} s", flush=True)

    cfg = load_config()
    origin = day_start_unix(dt.date(*MONTH, 1))
    cands = filters.load_candidates(REPO_DIR / "config/filters/candidates.yaml")
    table_filters = filters.load_filter_file(REPO_DIR / "config/filters/hedelius2019.yaml")
    l3 = filters.load_filter_file(REPO_DIR / "config/filters/l3.yaml")

    t_pre, (qc_pre, partial) = timed(lambda: qcchain.run_prefilter(table, cfg, origin), args.repeat)
    t_prelim, prelim = timed(lambda: qcchain.run_preliminary_pixel_bias([partial], cfg, origin), args.repeat)
    t_sra, (sra_out, diag, stats) = timed(lambda: qcchain.run_sra(table, qc_pre, prelim, cfg, cands, origin),
                                          args.repeat)
    t_filt, (_, _, applied) = timed(lambda: qcchain.run_filters([diag], cfg, cands, table_filters, l3), args.repeat)
    t_apply, _ = timed(lambda: qcchain.run_apply_filters(table, qc_pre, sra_out, applied, cands), args.repeat)
    total = t_pre + t_prelim + t_sra + t_filt + t_apply

    result = {
        "benchmark": "qc_one_month",
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "cpu_count": os.cpu_count()},
        "month": f"{MONTH[0]}-{MONTH[1]:02d}", "days": n_days, "orbits": args.orbits, "soundings": n,
        "sra_regions": stats["n_regions"], "sra_valid_regions": stats["n_valid_regions"],
        "candidates": len(cands), "generate_and_ingest_s": round(t_gen, 1),
        "stage_s": {"prefilter": round(t_pre, 3), "preliminary_pixel_bias": round(t_prelim, 3),
                    "sra_and_diagnostics": round(t_sra, 3), "filters_reduce_derive": round(t_filt, 3),
                    "apply_filters_and_feature_stats": round(t_apply, 3)},
        "total_s": round(total, 3),
        "soundings_per_s": round(n / total),
    }
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "qc.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    s = result["stage_s"]
    print("\n| soundings | prefilter (s) | prelim. pixel bias (s) | SRA + diagnostics (s) | filters (s) | apply + feature stats (s) | total (s) | soundings/s |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {n:,} | {s['prefilter']} | {s['preliminary_pixel_bias']} | {s['sra_and_diagnostics']} | "
          f"{s['filters_reduce_derive']} | {s['apply_filters_and_feature_stats']} | {total:.2f} | {n / total:,.0f} |")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
