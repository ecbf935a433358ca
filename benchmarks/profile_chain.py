"""Profile the per-month QC chain's stage functions in one process (issue 22, item 3).

Usage:
    python benchmarks/profile_chain.py [--month-dir benchmarks/work/month] [--days 3] [--top 12]
                                       [--stages prefilter,sra,apply_filters,sra2,correct]

Reads the benchmark month's store table and the global products a run of ``benchmarks/run.py``
left in ``--month-dir`` (nothing is written there), keeps the soundings of the first ``--days``
days, and runs the stage functions of :mod:`satcol.instruments.mopitt.qcchain` the per-month jobs run (prefilter,
SRA with the candidates' diagnostics, apply filters with the filtered SRA and feature-fit
statistics, second SRA, correct) under cProfile. Prints, per stage, its CPU seconds
(``time.process_time``: the machine is shared, wall time is not comparable between runs) and the
functions with the largest cumulative CPU time. Reading the store is not timed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from satcol.core import store  # noqa: E402
from satcol.core.config import load_config  # noqa: E402
from satcol.instruments.mopitt import filters, qcchain  # noqa: E402


def load(month_dir: Path, days: int):
    res = month_dir / "results" / "mopitt"  # the MOPITT products of the run (docs/outputs.md)
    ym = "2010-04"
    table = store.read_soundings(res / f"store/{ym}/soundings.parquet")
    day = (table["sounding_id"].to_numpy() // 10_000_000) % 100
    table = table[day <= days].reset_index(drop=True)
    cfg = load_config(overrides=yaml.safe_load((month_dir / "config.yaml").read_text()))
    candidates = filters.load_candidates(HERE.parent / cfg["filters"]["candidates"])
    with open(res / "filters/applied.yaml") as f:
        applied = filters.validate_filters(yaml.safe_load(f)["filters"], res / "filters/applied.yaml")
    with open(res / "feature_bias/accepted.json") as f:
        accepted = json.load(f)["accepted"]
    return {"table": table, "cfg": cfg, "candidates": candidates, "applied": applied, "accepted": accepted,
            "prelim": qcchain.load_frames(res / "pixel_bias/preliminary.json"),
            "final_fits": pd.read_csv(res / "pixel_bias/final_fits.csv"), "origin": float(pd.Timestamp(f"{ym}-01", tz="UTC").timestamp())}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--month-dir", default=str(HERE / "work/month"))
    ap.add_argument("--days", type=int, default=3)
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("--stages", default="prefilter,sra,apply_filters,sra2,correct")
    args = ap.parse_args()
    np.seterr(all="ignore")
    d = load(Path(args.month_dir), args.days)
    t, cfg, origin = d["table"], d["cfg"], d["origin"]
    print(f"{len(t):,} soundings ({args.days} days)")
    state = {}

    def prefilter():
        state["qc_pre"], _ = qcchain.run_prefilter(t, cfg, origin)

    def sra():
        state["sra"], _, _ = qcchain.run_sra(t, state["qc_pre"], d["prelim"], cfg, d["candidates"], origin)

    def apply_filters():
        state["qc"], _, _, _ = qcchain.run_apply_filters(t, state["qc_pre"], state["sra"], d["applied"],
                                                         d["candidates"], cfg)

    def sra2():
        qcchain.run_sra2(t, state["qc"], d["accepted"], cfg, origin)

    def correct():
        qcchain.run_correct(t, state["qc"], d["accepted"], d["final_fits"], cfg, origin)

    stages = {"prefilter": prefilter, "sra": sra, "apply_filters": apply_filters, "sra2": sra2, "correct": correct}
    wanted = args.stages.split(",")
    for name, fn in stages.items():
        if name not in wanted and name not in ("prefilter", "sra", "apply_filters"):
            continue
        prof = cProfile.Profile(time.process_time)
        c0 = time.process_time()
        prof.runcall(fn)
        cpu = time.process_time() - c0
        if name not in wanted:
            continue
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(args.top)
        print(f"\n=== {name}: {cpu:.2f} s CPU ({len(t) / cpu:,.0f} soundings/s)")
        print("\n".join(line for line in s.getvalue().splitlines() if line.strip())[-(args.top + 2) * 200:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
