"""CPU time of the per-month QC jobs' phases on the benchmark month (issue 22, item 3).

Usage:
    python benchmarks/profile_jobs.py [--month-dir benchmarks/work/month] [--out DIR]
                                      [--stages prefilter,sra,apply_filters,sra2,correct] [--profile STAGE]

:mod:`profile_chain` times the stage functions alone; a job also reads its store columns and its
upstream stages' tables and writes its own. This runs, in one process, what each script of
``scripts/`` does for the whole month (the same reads of the same files in ``--month-dir``, the
same stage function, the same writes, into ``--out``, never into ``--month-dir``), and prints
each phase's CPU seconds (``resource.getrusage``: user + system; the machine is shared, so wall
time is not comparable between runs). Start-up and imports are not included (the runner's
``chain_bound`` measures them). ``--profile STAGE`` prints that stage's cProfile (CPU time).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from satcol.core import ioutil, store  # noqa: E402
from satcol.core.config import load_config  # noqa: E402
from satcol.instruments.mopitt import filters, qcchain  # noqa: E402

YM = "2010-04"


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--month-dir", default=str(HERE / "work/month"))
    ap.add_argument("--out", default=None)
    ap.add_argument("--stages", default="prefilter,sra,apply_filters,sra2,correct")
    ap.add_argument("--profile", default="")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    res = Path(args.month_dir) / "results" / "mopitt"  # the MOPITT products of the run (docs/outputs.md)
    out = Path(args.out or tempfile.mkdtemp(prefix="profile_jobs_"))
    out.mkdir(parents=True, exist_ok=True)
    cfg = load_config(overrides=yaml.safe_load((Path(args.month_dir) / "config.yaml").read_text()))
    origin = float(pd.Timestamp(f"{YM}-01", tz="UTC").timestamp())
    tbl = res / f"store/{YM}/soundings.parquet"
    cands = filters.load_candidates(HERE.parent / cfg["filters"]["candidates"])
    with open(res / "filters/applied.yaml") as f:
        applied = filters.validate_filters(yaml.safe_load(f)["filters"], res / "filters/applied.yaml")
    with open(res / "feature_bias/accepted.json") as f:
        accepted = json.load(f)["accepted"]
    prelim = qcchain.load_frames(res / "pixel_bias/preliminary.json")
    fits = pd.read_csv(res / "pixel_bias/final_fits.csv")
    rows = {}

    def phases(name, read, compute, write):
        prof = cProfile.Profile(time.process_time) if name == args.profile else None
        c0 = cpu_s()
        data = read()
        c1 = cpu_s()
        result = prof.runcall(compute, data) if prof else compute(data)
        c2 = cpu_s()
        write(result)
        c3 = cpu_s()
        rows[name] = (c1 - c0, c2 - c1, c3 - c2)
        print(f"{name:14s} read {c1 - c0:6.2f}  compute {c2 - c1:6.2f}  write {c3 - c2:6.2f}  "
              f"total {c3 - c0:6.2f} s CPU", flush=True)
        if prof:
            s = io.StringIO()
            pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(args.top)
            print(s.getvalue())
        return result

    want = args.stages.split(",")
    if "prefilter" in want:
        phases("prefilter", lambda: store.read_soundings(tbl, columns=qcchain.PREFILTER_COLUMNS),
               lambda t: qcchain.run_prefilter(t, {"prefilter": cfg["prefilter"], "pixel_bias": cfg["pixel_bias"]}, origin),
               lambda r: (ioutil.write_parquet(r[0], out / "prefilter_qc.parquet"),
                          ioutil.write_parquet(r[1], out / "prefilter_partial.parquet")))
    qc_pre_path = res / f"qc/{YM}/prefilter.parquet"
    if "sra" in want:
        phases("sra", lambda: (store.read_soundings(tbl, columns=qcchain.with_fields(qcchain.SRA_COLUMNS, cands)),
                               store.read_soundings(qc_pre_path)),
               lambda d: qcchain.run_sra(d[0], d[1], prelim, {"sra": cfg["sra"]}, cands, origin),
               lambda r: (ioutil.write_parquet(r[0], out / "sra.parquet"),
                          ioutil.write_parquet(r[1], out / "sra_diag.parquet"), ioutil.write_json(r[2], out / "sra.json")))
    if "apply_filters" in want:
        cols = qcchain.with_fields(qcchain.APPLY_FILTERS_COLUMNS, cands, applied)
        phases("apply_filters", lambda: (store.read_soundings(tbl, columns=cols), store.read_soundings(qc_pre_path),
                                         store.read_soundings(res / f"sra/{YM}/sra.parquet")),
               lambda d: qcchain.run_apply_filters(d[0], d[1], d[2], applied, cands,
                                                   {"sra": cfg["sra"], "feature_bias": cfg["feature_bias"]}),
               lambda r: (ioutil.write_parquet(r[0], out / "filtered.parquet"), ioutil.write_parquet(r[1], out / "feat.parquet"),
                          ioutil.write_parquet(r[3], out / "after.parquet"), ioutil.write_json(r[2], out / "rms.json")))
    qc_path = res / f"qc/{YM}/filtered.parquet"
    if "sra2" in want:
        phases("sra2", lambda: (store.read_soundings(qc_path),
                                store.read_soundings(tbl, columns=qcchain.with_feature_columns(qcchain.SRA2_COLUMNS, accepted))),
               lambda d: qcchain.run_sra2(d[1], d[0], accepted, {"sra": cfg["sra"], "pixel_bias": cfg["pixel_bias"]}, origin),
               lambda r: (ioutil.write_parquet(r[0], out / "sra2.parquet"), ioutil.write_json(r[1], out / "sra2.json")))
    if "correct" in want:
        ccfg = {"instrument_events": cfg["instrument_events"], "sra": cfg["sra"]}
        phases("correct", lambda: (store.read_soundings(qc_path),
                                   store.read_soundings(tbl, columns=qcchain.with_feature_columns(qcchain.CORRECT_COLUMNS, accepted))),
               lambda d: qcchain.run_correct(d[1], d[0], accepted, fits, ccfg, origin),
               lambda r: store.write_frame(r, out / "corrected.parquet", {}, with_qc=True))
    tot = [sum(v[i] for v in rows.values()) for i in range(3)]
    print(f"{'all':14s} read {tot[0]:6.2f}  compute {tot[1]:6.2f}  write {tot[2]:6.2f}  total {sum(tot):6.2f} s CPU")
    (out / "profile_jobs.json").write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
