"""First SRA of one month with the preliminary pixel correction (thin wrapper)."""

import json

import pandas as pd

from satcol import filters, logutil, qcchain, store

log = logutil.setup(snakemake.log[0])  # noqa: F821
table = store.read_soundings(snakemake.input.table)  # noqa: F821
qc = pd.read_parquet(snakemake.input.qc)  # noqa: F821
prelim = qcchain.load_frames(snakemake.input.prelim)  # noqa: F821
candidates = filters.load_candidates(snakemake.params.candidates)  # noqa: F821
out, diag, stats = qcchain.run_sra(table, qc, prelim, snakemake.config, candidates, snakemake.params.origin)  # noqa: F821
out.to_parquet(snakemake.output.sra, index=False)  # noqa: F821
diag.to_parquet(snakemake.output.diagnostics, index=False)  # noqa: F821
with open(snakemake.output.stats, "w") as f:  # noqa: F821
    json.dump(stats, f, indent=1)
log.info("SRA: %s", stats)
