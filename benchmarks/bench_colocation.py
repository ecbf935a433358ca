"""Benchmark: colocation of one year of soundings against every TCCON site.

Usage:  python benchmarks/bench_colocation.py [--results results] [--year 2010] [--repeat 2]

Runs on the products of a finished workflow run (``snakemake --cores N`` first): the corrected
columns and the store of each month of ``--year``, and the TCCON site stores. Times, with the
workflow's own functions (``satcol.validation.colocation``):

- candidates: for each month, the grid index over the kept soundings, the box queries of all
  sites, and the read of the candidates' profiles and kernels (written to a scratch dir);
- comparison: for each site, the day grouping, TCCON window averages and methods 0/II/III
  (standard and unscaled) for every candidate, and the day x surface averages.

Writes benchmarks/results/colocation.json and prints a Markdown row for RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd

from satcol.core import provenance
from satcol.core.config import REPO_DIR, load_config
from satcol.validation import colocation

HERE = Path(__file__).resolve().parent


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", default=str(REPO_DIR / "results"))
    ap.add_argument("--year", type=int, default=2010)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--workdir", default=str(HERE / "work_colocation"))
    args = ap.parse_args()
    res = Path(args.results)
    months = [f"{args.year}-{m:02d}" for m in range(1, 13)]
    missing = [m for m in months if not (res / "corrected" / m / "soundings.parquet").exists()]
    if missing:
        raise SystemExit(f"{res}: no corrected columns for {missing}; run the workflow first")
    cfg = load_config()
    prov = provenance.provenance(cfg)
    site_files = sorted((res / "store/tccon").glob("*.nc"))
    ids = [p.stem for p in site_files]
    sites = colocation.load_sites(REPO_DIR / cfg["tccon_sites"], ids)
    work = Path(args.workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    n_soundings = sum(len(pd.read_parquet(res / "corrected" / m / "soundings.parquet", columns=["qc"])) for m in months)

    def run_candidates():
        for m in months:
            colocation.month_candidates(res / "corrected" / m / "soundings.parquet",
                                        res / "store/mopitt" / m / "soundings.parquet",
                                        res / "store/mopitt" / m / "profiles.nc", sites, work / f"{m}.nc", prov)

    def run_sites():
        n = 0
        for sid, path in zip(ids, site_files, strict=True):
            cand = colocation.read_site_candidates(sorted(work.glob("*.nc")), sid)
            if cand:
                snd, _, _ = colocation.colocate_site(cand, colocation.read_tccon_store(path))
                n += len(snd)
        return n

    t_cand = t_site = np.inf
    n_compared = 0
    for _ in range(args.repeat):
        t = time.perf_counter()
        run_candidates()
        t_cand = min(t_cand, time.perf_counter() - t)
        t = time.perf_counter()
        n_compared = run_sites()
        t_site = min(t_site, time.perf_counter() - t)
    import xarray as xr

    n_cand = 0
    for p in sorted(work.glob("*.nc")):
        with xr.open_dataset(p, engine="h5netcdf") as ds:
            n_cand += ds.sizes["pair"]
    result = {
        "benchmark": "colocation_one_year",
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "python": platform.python_version(), "cpu_count": os.cpu_count()},
        "year": args.year, "soundings": int(n_soundings), "sites": len(ids), "candidates": int(n_cand),
        "soundings_compared": int(n_compared), "candidates_s": round(t_cand, 3), "comparison_s": round(t_site, 3),
        "soundings_per_s_candidates": round(n_soundings / t_cand),
    }
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "colocation.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print("\n| year | soundings | sites | candidates | compared | candidates (s) | comparison (s) | soundings/s (candidates) |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {args.year} | {n_soundings:,} | {len(ids)} | {n_cand:,} | {n_compared:,} | {t_cand:.2f} | {t_site:.2f} | "
          f"{n_soundings / t_cand:,.0f} |")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
