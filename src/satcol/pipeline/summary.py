"""results/summary.json: sounding counts, skips by reason, and the run's provenance."""

from __future__ import annotations

from collections import Counter

from satcol.core.provenance import provenance


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
    """Write JSON atomically (satcol.core.ioutil)."""
    from satcol.core.ioutil import write_json as _write

    _write(obj, path)


def qc_section(sra_stats, filter_stats, sra2_stats, corrected_reports, applied: dict, feature_fits, pixel_fits) -> dict:
    """The QC chain's headline numbers: counts per QC bit, SRA RMS before/after filtering
    (H19's 3.84 -> 2.55 ppb), the accepted feature corrections with every candidate's RMS
    reduction, and the final pixel-bias fits."""
    import numpy as np

    def rms(stats, n_key, ss_key):
        n = sum(s[n_key] for s in stats)
        return float(np.sqrt(sum(s[ss_key] for s in stats) / n)) if n else None

    counts = Counter()
    for r in corrected_reports:
        counts.update(r["qc_counts"])
    total = sum(r["n_soundings"] for r in corrected_reports)
    kept = sum(r["n_kept"] for r in corrected_reports)
    ff = feature_fits
    return {
        "soundings": {"total": total, "kept": kept, "flagged": total - kept},
        "counts_per_bit": dict(counts),
        "fraction_per_bit": {k: (v / total if total else None) for k, v in counts.items()},
        "filters": {"mode": applied["mode"], "source": applied["source"], "n_filters": len(applied["filters"])},
        "sra": {
            "rms_prefiltered_ppb": rms(sra_stats, "n_in_valid", "sumsq"),
            "rms_filtered_ppb": rms(filter_stats, "n_filtered_in_valid", "sumsq_filtered"),
            "rms_second_sra_ppb": rms(sra2_stats, "n_in_valid", "sumsq"),
            "n_soundings_in_valid_regions": sum(s["n_in_valid"] for s in sra_stats),
            "n_valid_regions": sum(s["n_valid_regions"] for s in sra_stats),
            "n_regions": sum(s["n_regions"] for s in sra_stats),
        },
        "feature_bias": {
            "accepted": ff[ff["accepted"]][["candidate", "surface", "model", "breakpoint", "reduction"]].to_dict("records") if len(ff) else [],
            "rms_reduction_per_candidate": {f"{r.candidate}/{'land' if r.surface == 1 else 'water'}": round(float(r.reduction), 5)
                                            for r in ff.itertuples()} if len(ff) else {},
        },
        "pixel_bias_fits": pixel_fits.to_dict("records"),
    }


def export_section(sounding_reports: list[dict], superobs_reports: list[dict], correlation: dict) -> dict:
    """The assimilation export's headline numbers: the global scale applied, soundings exported
    (every ingested one: kept + flagged), super-observations and the soundings they use, and
    the fitted error-correlation models."""
    scale = sounding_reports[0]["global_scale"] if sounding_reports else {}
    n = sum(r["n_soundings"] for r in sounding_reports)
    kept = sum(r["n_kept"] for r in sounding_reports)
    flagged = sum(r["n_flagged"] for r in sounding_reports)
    return {
        "global_scale": scale,
        "soundings": {"exported": n, "kept": kept, "flagged": flagged, "conserved": n == kept + flagged},
        "superobs": {"n": sum(r["n_superobs"] for r in superobs_reports),
                     "n_soundings_used": sum(r["n_soundings_used"] for r in superobs_reports)},
        "error_correlation": correlation["models"],
    }


def conservation_section(store_reports: list[dict], corrected_reports: list[dict], export_reports: list[dict]) -> dict:
    """Flag, don't drop: per month, soundings ingested = kept + flagged after the QC chain =
    soundings in the per-sounding export. The three report lists are in month order."""
    per_month, ok = {}, True
    for s, c, e in zip(store_reports, corrected_reports, export_reports, strict=True):
        if e["month"] != s["month"]:
            raise ValueError(f"conservation: month reports out of order ({s['month']} vs {e['month']})")
        row = {"ingested": s["n_soundings"], "kept": c["n_kept"], "flagged": c["n_flagged"],
               "exported": e["n_soundings"]}
        row["conserved"] = row["ingested"] == row["kept"] + row["flagged"] == row["exported"] == c["n_soundings"]
        ok &= row["conserved"]
        per_month[s["month"]] = row
    return {"all_conserved": bool(ok), "per_month": per_month}
