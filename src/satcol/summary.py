"""results/summary.json: sounding counts, skips by reason, and the run's provenance."""

from __future__ import annotations

import json
from collections import Counter

from .provenance import provenance


def build_summary(month_reports: list[dict], site_reports: list[dict], plan_skipped: list[dict],
                  config: dict, synthetic: bool) -> dict:
    skipped = list(plan_skipped)
    checksums = {}
    months = {}
    totals = Counter()
    for r in month_reports:
        skipped += r["skipped"]
        checksums.update(r["provenance"]["input_sha256"])
        months[r["month"]] = {
            "n_soundings": r["n_soundings"], "by_surface": r["by_surface"],
            "n_kept": r["n_kept"], "n_flagged": r["n_flagged"], "qc_counts": r["qc_counts"],
            "n_files": len(r["files"]), "n_superseded": len(r["superseded"]),
        }
        totals["n_soundings"] += r["n_soundings"]
        totals["n_kept"] += r["n_kept"]
        totals["n_flagged"] += r["n_flagged"]
        for k, v in r["by_surface"].items():
            totals[f"surface_{k}"] += v
    superseded = [s for r in month_reports for s in r["superseded"]]
    sites = {}
    for r in site_reports:
        skipped += r["skipped"]
        checksums.update(r["provenance"]["input_sha256"])
        sites[r["site"]] = {"n_measurements": r["n_measurements"], "n_files": len(r["files"])}
    return {
        "synthetic": synthetic,
        "on_bad_input": config["on_bad_input"],
        "soundings": {
            "total": totals["n_soundings"],
            "kept": totals["n_kept"],
            "flagged": totals["n_flagged"],
            "by_surface": {k.removeprefix("surface_"): v for k, v in sorted(totals.items()) if k.startswith("surface_")},
            "per_month": months,
        },
        "tccon": {"sites": sites},
        "skipped": {
            "total": len(skipped),
            "by_reason": dict(sorted(Counter(s["reason"] for s in skipped).items())),
            "files": skipped,
        },
        "superseded_versions": superseded,
        "provenance": provenance(config, checksums=checksums),
    }


def write_json(obj, path):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=False, default=str)
        f.write("\n")
