"""Second SRA of one month: filtered, feature-corrected, no pixel correction (thin wrapper)."""

import json

import pandas as pd

from satcol import logutil, qcchain, store

log = logutil.setup(snakemake.log[0])  # noqa: F821
table = store.read_soundings(snakemake.input.table)  # noqa: F821
qc = pd.read_parquet(snakemake.input.qc)  # noqa: F821
with open(snakemake.input.accepted) as f:  # noqa: F821
    accepted = json.load(f)["accepted"]
partial, stats = qcchain.run_sra2(table, qc, accepted, snakemake.config, snakemake.params.origin)  # noqa: F821
partial.to_parquet(snakemake.output.partial, index=False)  # noqa: F821
with open(snakemake.output.stats, "w") as f:  # noqa: F821
    json.dump(stats, f, indent=1)
log.info("second SRA: %s", stats)
