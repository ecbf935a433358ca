"""Benchmark: the store's two profile layouts on the benchmark month (issue 22, item 2).

Usage:
    python benchmarks/bench_store.py [--month-dir benchmarks/work/month] [--mopitt benchmarks/work/mopitt]
                                     [--days 30] [--out benchmarks/work/store] [--layouts source,copy]

For each layout of ``profiles.nc`` (``source``: pointers to the L2 files, the profiles read back
from them; ``copy``: every sounding's profiles in the store, the layout before issue 22), in one
process pinned to one CPU:

1. ingest the first ``--days`` L2 files of April 2010 (``satcol.pipeline.ingest.ingest_mopitt_month``);
2. the colocation candidates of the month (``colocation.month_candidates``), with the corrected
   soundings the benchmark run left in ``--month-dir`` (read, never written);
3. the export of the month (``export.write_month_soundings`` and the super-observations, as
   ``scripts/export_month.py`` does).

Each step's CPU seconds (``resource.getrusage``: user + system of the process and its threads;
the machine is shared, so wall seconds are given beside them but are not comparable between runs)
and bytes written. The export files of the layouts are then compared variable by variable.
Writes ``--out``/bench_store.json and prints the Markdown rows for RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))

from satcol.core import provenance, store  # noqa: E402
from satcol.core.config import load_config  # noqa: E402
from satcol.core.ioutil import drop_from_page_cache  # noqa: E402
from satcol.export import products as export  # noqa: E402
from satcol.pipeline import ingest  # noqa: E402
from satcol.validation import colocation  # noqa: E402

YM = "2010-04"


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def timed(fn):
    c, w = cpu_s(), time.perf_counter()
    out = fn()
    return out, round(cpu_s() - c, 2), round(time.perf_counter() - w, 2)


def run_layout(layout: str, files: list[Path], month_dir: Path, out: Path, cfg: dict) -> dict:
    d = out / layout
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    res = month_dir / "results" / "mopitt"  # the MOPITT products of the run (docs/outputs.md)
    for f in files:
        drop_from_page_cache(f)
    orig = store.MonthStoreWriter.__init__

    def init(self, *a, **k):
        orig(self, *a, **k, profile_storage=layout)

    store.MonthStoreWriter.__init__ = init
    try:
        report, ing_cpu, ing_wall = timed(lambda: ingest.ingest_mopitt_month(
            YM, files, d / "soundings.parquet", d / "profiles.nc", {"on_bad_input": "skip"}))
    finally:
        store.MonthStoreWriter.__init__ = orig
    (d / "report.json").write_text(json.dumps(report, default=str))
    store_bytes = {p: (d / p).stat().st_size for p in ("soundings.parquet", "profiles.nc")}
    n = report["n_soundings"]

    # The corrected soundings of the benchmark run, cut to the ingested days (same rows, same order).
    corrected = store.read_soundings(res / f"corrected/{YM}/soundings.parquet")
    corrected = corrected.iloc[:n].reset_index(drop=True)
    table = store.read_soundings(d / "soundings.parquet", columns=list(dict.fromkeys(
        export.SOUNDING_COLUMNS + colocation.CAND_SCALARS + ["time"])))
    if not np.array_equal(corrected["sounding_id"].to_numpy(), table["sounding_id"].to_numpy()):
        raise RuntimeError("the benchmark run's corrected soundings are not those of the ingested days")
    prov = provenance.with_store(cfg, report, inputs=[])
    sites = colocation.load_sites(REPO / "config/tccon_sites.tsv", None)
    for f in files:
        drop_from_page_cache(f)
    drop_from_page_cache(d / "profiles.nc")
    cand, cand_cpu, cand_wall = timed(lambda: colocation.month_candidates(
        corrected, table, d / "profiles.nc", sites, d / "candidates.nc", prov))

    with open(res / "validation/tccon.json") as f:
        scale = export.global_scale(json.load(f), cfg["export"])
    models = export.load_models(res / "export/error_correlation.json")
    source_files = [r["file"] for r in report["files"]]
    for f in files:
        drop_from_page_cache(f)
    drop_from_page_cache(d / "profiles.nc")
    soundings_nc = d / f"mopitt_xco_soundings_{YM}.nc"
    superobs_nc = d / f"mopitt_xco_superobs_{YM}.nc"

    def do_export():
        counts, kept = export.write_month_soundings(table, corrected, d / "profiles.nc", scale, models, prov,
                                                    source_files, YM, soundings_nc,
                                                    cfg["export"]["compression_level"],
                                                    profiles_of=cfg["export"]["profiles"])
        so = export.superobs_from_soundings(kept, models, {"export": cfg["export"], "sra": cfg["sra"]},
                                            float(cfg.get("_origin", 0.0)))
        ds = export.superobs_dataset(so, scale, models, prov, cfg["export"]["superobs"], YM, counts["n_kept"])
        export.write_netcdf(ds, superobs_nc, cfg["export"]["compression_level"])
        return counts

    counts, exp_cpu, exp_wall = timed(do_export)
    input_bytes = sum(f.stat().st_size for f in files)
    export_bytes = {p.name: p.stat().st_size for p in (soundings_nc, superobs_nc)}
    return {"layout": layout, "days": len(files), "soundings": n, "n_kept": counts["n_kept"],
            "input_bytes": input_bytes, "store_bytes": store_bytes, "export_bytes": export_bytes,
            "candidates_bytes": (d / "candidates.nc").stat().st_size, "n_pairs": cand["n_pairs"],
            "store_plus_export_over_input": round((sum(store_bytes.values()) + sum(export_bytes.values()))
                                                  / input_bytes, 4),
            "ingest_cpu_s": ing_cpu, "ingest_wall_s": ing_wall, "candidates_cpu_s": cand_cpu,
            "candidates_wall_s": cand_wall, "export_cpu_s": exp_cpu, "export_wall_s": exp_wall}


def compare(a: Path, b: Path) -> list[str]:
    """Every variable of two netCDF files compared by value (attributes not: provenance differs):
    the differences, as :mod:`compare_products` reports them (empty: identical)."""
    from compare_products import _compare_nc  # benchmarks/, on the path of this script

    return _compare_nc(a, b, {}, 0.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--month-dir", default=str(HERE / "work/month"))
    ap.add_argument("--mopitt", default=str(HERE / "work/mopitt"))
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--out", default=str(HERE / "work/store"))
    ap.add_argument("--layouts", default="source,copy")
    ap.add_argument("--no-pin", action="store_true")
    args = ap.parse_args()
    np.seterr(all="ignore")
    if not args.no_pin and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    month_dir, out = Path(args.month_dir), Path(args.out)
    files = sorted(Path(args.mopitt).glob("MOP02J-201004*.he5"))[: args.days]
    overrides = yaml.safe_load((month_dir / "config.yaml").read_text())
    cfg = load_config(overrides=overrides)
    cfg["_origin"] = 1270080000.0  # 2010-04-01T00:00Z, the workflow's ORIGIN for this month
    results = [run_layout(layout, files, month_dir, out, cfg) for layout in args.layouts.split(",")]
    doc = {"runs": results}
    if len(results) == 2:
        a, b = (out / r["layout"] / f"mopitt_xco_soundings_{YM}.nc" for r in results)
        doc["soundings_file_differences"] = compare(a, b)
        a, b = (out / r["layout"] / f"mopitt_xco_superobs_{YM}.nc" for r in results)
        doc["superobs_file_differences"] = compare(a, b)
        a, b = (out / r["layout"] / "candidates.nc" for r in results)
        doc["candidates_file_differences"] = compare(a, b)
    (out / "bench_store.json").write_text(json.dumps(doc, indent=1))
    print(json.dumps(doc, indent=1))
    print("\n| layout | store GB (table + profiles) | export GB | (store + export) / input | ingest CPU s | "
          "candidates CPU s | export CPU s |\n|---|---|---|---|---|---|---|")
    for r in results:
        s, e = r["store_bytes"], r["export_bytes"]
        print(f"| {r['layout']} | {sum(s.values()) / 1e9:.3f} ({s['soundings.parquet'] / 1e9:.3f} + "
              f"{s['profiles.nc'] / 1e9:.3f}) | {sum(e.values()) / 1e9:.3f} | "
              f"{100 * r['store_plus_export_over_input']:.1f} % | {r['ingest_cpu_s']} | {r['candidates_cpu_s']} | "
              f"{r['export_cpu_s']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
