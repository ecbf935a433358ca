"""Write results/summary.json from the per-month and per-site reports (thin wrapper)."""

import json

import pandas as pd
import yaml

from satcol.core import logutil, provenance
from satcol.pipeline.summary import (
    build_summary,
    conservation_section,
    export_section,
    qc_section,
    write_json,
)

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp = snakemake.input  # noqa: F821


def load(paths):
    out = []
    for p in paths:
        with open(p) as f:
            out.append(json.load(f))
    return out


cfg = snakemake.params.run_config  # noqa: F821
summary = build_summary(load(inp.mopitt), load(inp.tccon), snakemake.params.plan_skipped,  # noqa: F821
                        cfg, snakemake.params.synthetic)  # noqa: F821
with open(inp.applied) as f:
    applied = yaml.safe_load(f)
summary["qc"] = qc_section(load(inp.sra), load(inp.filtered), load(inp.sra2), load(inp.corrected), applied,
                           pd.read_csv(inp.features), pd.read_csv(inp.pixel_fits))
with open(inp.validation) as f:
    validation = json.load(f)
summary["tccon"].update({k: validation[k] for k in ("method_0", "method_II", "method_III", "loso")})
summary["tccon"]["colocation_counts"] = validation["counts_per_site"]
with open(inp.correlation) as f:
    correlation = json.load(f)
# The config hash covers the run's config (rules/common.smk, run_config) and the hashes recorded
# in the store reports and the error-correlation model (satcol.core.provenance).
summary["provenance"] = provenance.provenance(
    cfg, checksums=summary["provenance"]["input_sha256"],
    upstream=[provenance.recorded_config_hash(r) for r in (*load(inp.mopitt), *load(inp.tccon), correlation)])
summary["export"] = export_section(load(inp.export_soundings), load(inp.export_superobs), correlation)
summary["conservation"] = conservation_section(load(inp.mopitt), load(inp.corrected), load(inp.export_soundings))
if not summary["conservation"]["all_conserved"]:
    raise RuntimeError(f"soundings lost between ingest, QC and export: {summary['conservation']['per_month']}")
if inp.recovery:
    rec = pd.read_csv(inp.recovery[0])
    scored = rec[rec["scored"]]
    summary["osse_recovery"] = {"n_scored": int(len(scored)), "n_ok": int(scored["ok"].sum()),
                                "failed": scored[~scored["ok"]]["quantity"].tolist()}
write_json(summary, snakemake.output[0])  # noqa: F821
log.info("summary: %d soundings, %d kept", summary["qc"]["soundings"]["total"], summary["qc"]["soundings"]["kept"])
