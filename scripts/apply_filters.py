"""Apply the chosen filters to one month; feature-fit statistics (thin wrapper)."""

import json

import pandas as pd
import yaml

from satcol import filters, logutil, qcchain, store

log = logutil.setup(snakemake.log[0])  # noqa: F821
table = store.read_soundings(snakemake.input.table)  # noqa: F821
qc_pre = pd.read_parquet(snakemake.input.qc)  # noqa: F821
sra_out = pd.read_parquet(snakemake.input.sra)  # noqa: F821
with open(snakemake.input.applied) as f:  # noqa: F821
    applied = filters.validate_filters(yaml.safe_load(f)["filters"], snakemake.input.applied)  # noqa: F821
candidates = filters.load_candidates(snakemake.params.candidates)  # noqa: F821
qc, feature, rms, after = qcchain.run_apply_filters(table, qc_pre, sra_out, applied, candidates)
qc.to_parquet(snakemake.output.qc, index=False)  # noqa: F821
feature.to_parquet(snakemake.output.feature, index=False)  # noqa: F821
after.to_parquet(snakemake.output.after, index=False)  # noqa: F821
with open(snakemake.output.stats, "w") as f:  # noqa: F821
    json.dump(rms, f, indent=1)
log.info("%d of %d soundings kept after filters", int((qc["qc"] == 0).sum()), len(qc))
