"""Write results/summary.json from the per-month and per-site reports (thin wrapper)."""

import json

from satcol import logutil
from satcol.summary import build_summary, write_json

log = logutil.setup(snakemake.log[0])  # noqa: F821


def load(paths):
    out = []
    for p in paths:
        with open(p) as f:
            out.append(json.load(f))
    return out


summary = build_summary(
    load(snakemake.input.mopitt),  # noqa: F821
    load(snakemake.input.tccon),  # noqa: F821
    snakemake.params.plan_skipped,  # noqa: F821
    snakemake.config,  # noqa: F821
    snakemake.params.synthetic,  # noqa: F821
)
write_json(summary, snakemake.output[0])  # noqa: F821
log.info("summary: %d soundings, %d skipped inputs", summary["soundings"]["total"], summary["skipped"]["total"])
