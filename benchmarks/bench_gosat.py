"""Benchmark: the GOSAT chain on a synthetic record of every day (issue 22's GOSAT line).

Usage:
    python benchmarks/bench_gosat.py [--start 2010-01-01] [--end 2010-12-31] [--cores 2]
                                     [--work benchmarks/work/gosat] [--record-start 2009-06-01]
                                     [--record-end 2026-11-30]

1. Writes a config with the GOSAT synthetic record from ``--start`` to ``--end``, every day
   (``days_per_month: 31``; about 230 soundings a day of each species, the density of real NIES
   SWIR L2 files: a few hundred a day), and synthesizes it (L2 files, TCCON files, the second
   product version, in situ): not timed, it is the input.
2. Runs ``snakemake gosat_all --cores N`` on it: ingest -> screening -> match-ups -> MLR ->
   correction -> validation, figures, OSSE rows, version comparison, growth rate, exports and
   super-observations of both species. Timed: wall seconds, and the CPU seconds of every job
   (``getrusage(RUSAGE_CHILDREN)`` of the Snakemake process: every job's process tree), and
   each rule's jobs from their ``benchmark:`` files (Snakemake samples ``cpu_time``: a job under
   a second may show 0).
3. Projects the record from ``--record-start`` to ``--record-end`` linearly in days (every per-year
   and per-species job reads each sounding a bounded number of times), on ``--cores`` cores:
   CPU-s x record days / measured days / cores, beside the measured wall time scaled the same way
   (an over-estimate for a short record: what every run pays once is scaled too). Given the
   whole record (``--start 2009-06-01 --end 2026-11-30``), the factor is 1: measured, not projected.

Writes ``--work``/bench_gosat.json and prints the Markdown rows for RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SYNTH_RULES = ["gosat_synthesize_month", "gosat_synthesize_tccon", "gosat_synthesize_tccon_ggg2014",
               "gosat_synthesize_version_month", "gosat_insitu"]


def _config(start: str, end: str) -> dict:
    return {"synthetic": {"start": start, "end": end, "days_per_month": 1, "orbits_per_day": 1,
                          "gosat": {"start": start, "end": end, "days_per_month": 31}}}


def _snakemake(work: Path, cores: int, extra: list[str]) -> tuple[float, float]:
    """Run snakemake in ``work``; (wall s, CPU s of its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(work),
           "--configfile", str(work / "config.yaml"), "--cores", str(cores), "--quiet", *extra]
    log = open(work / "snakemake.log", "a")
    subprocess.run(cmd, check=True, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _soundings(work: Path) -> dict:
    n = {}
    for species in ("xco2", "xch4"):
        total = 0
        for rep in sorted((work / "results/gosat/store" / species).glob("*/report.json")):
            doc = json.loads(rep.read_text())
            total += int(doc.get("n_soundings", 0))
        n[species] = total
    return n


def _per_rule(work: Path) -> dict:
    """CPU s (Snakemake's sampled ``cpu_time``), wall s summed and peak RSS (MB) of each timed
    rule's jobs, from the rules' ``benchmark:`` files (synthesis left out: it is the input)."""
    import csv

    out = {}
    root = work / "results/benchmarks/gosat"
    for entry in sorted(root.iterdir()):
        name = entry.name.removesuffix(".tsv")
        if name.startswith(("synthesize", "insitu")):
            continue
        files = sorted(entry.glob("*.tsv")) if entry.is_dir() else [entry]
        rows = [next(csv.DictReader(f.read_text().splitlines(), delimiter="\t")) for f in files]
        out[name] = {"jobs": len(rows), "cpu_s": sum(float(r["cpu_time"]) for r in rows),
                     "wall_s": sum(float(r["s"]) for r in rows),
                     "max_rss_mb": max((float(r["max_rss"]) for r in rows if r["max_rss"] not in ("-", "")), default=0.0)}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--start", default="2010-01-01")
    ap.add_argument("--end", default="2010-12-31")
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--work", default=str(HERE / "work" / "gosat"))
    ap.add_argument("--record-start", default="2009-06-01", help="first day of the record to project (GOSAT L2: June 2009)")
    ap.add_argument("--record-end", default="2026-11-30")
    args = ap.parse_args(argv)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    (work / "config.yaml").write_text(yaml.safe_dump(_config(args.start, args.end)))
    # the input: synthesized once, not timed (the 'all' target above is replaced by the rules)
    t0 = time.perf_counter()
    _snakemake(work, args.cores, ["--until", *SYNTH_RULES, "--", "gosat_all"])
    synth_s = time.perf_counter() - t0
    wall, cpu = _snakemake(work, args.cores, ["--", "gosat_all"])
    days = (dt.date.fromisoformat(args.end) - dt.date.fromisoformat(args.start)).days + 1
    record_days = (dt.date.fromisoformat(args.record_end) - dt.date.fromisoformat(args.record_start)).days + 1
    factor = record_days / days
    n = _soundings(work)
    out = {"start": args.start, "end": args.end, "days": days, "cores": args.cores, "soundings": n,
           "input_bytes": sum(p.stat().st_size for p in (work / "results/synthetic/gosat").rglob("*") if p.is_file()),
           "synthesis_wall_s": synth_s, "chain_wall_s": wall, "chain_cpu_s": cpu,
           "record": [args.record_start, args.record_end], "record_days": record_days,
           "projected_cpu_s": cpu * factor, "projected_min_on_cores": cpu * factor / args.cores / 60.0,
           "projected_wall_min": wall * factor / 60.0, "per_rule": _per_rule(work)}
    (work / "bench_gosat.json").write_text(json.dumps(out, indent=2))
    print(json.dumps(out, indent=2))
    print(f"| {args.start}..{args.end} ({days} days) | {n['xco2']:,} / {n['xch4']:,} | {wall:.1f} | {cpu:.1f} | "
          f"{cpu * factor / args.cores / 60.0:.1f} | {wall * factor / 60.0:.1f} |")
    print("\n| rule | jobs | CPU (s) | wall (s), summed | peak RSS (MB) |\n|---|---|---|---|---|")
    for name, r in sorted(out["per_rule"].items(), key=lambda kv: -kv[1]["cpu_s"]):
        print(f"| {name} | {r['jobs']} | {r['cpu_s']:.1f} | {r['wall_s']:.1f} | {r['max_rss_mb']:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
