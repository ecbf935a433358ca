"""Reduce the SRA diagnostics, derive thresholds, choose the filters to apply (thin wrapper)."""

import pandas as pd
import yaml

from satcol import filters, logutil, qcchain

log = logutil.setup(snakemake.log[0])  # noqa: F821
files = snakemake.params.files  # noqa: F821
cfg = snakemake.config  # noqa: F821
candidates = filters.load_candidates(files["candidates"])
diag_partials = [pd.read_parquet(p) for p in snakemake.input]  # noqa: F821
diag, derived, applied = qcchain.run_filters(diag_partials, cfg, candidates, filters.load_filter_file(files["table"]),
                                             filters.load_filter_file(files["l3_table"]))
diag.to_csv(snakemake.output.diagnostics, index=False)  # noqa: F821
criteria = cfg["filters"]["criteria"]
with open(snakemake.output.derived, "w") as f:  # noqa: F821
    yaml.safe_dump({"source": "derived from this run's SRA diagnostics by the H19 criteria",
                    "criteria": criteria, "filters": derived}, f, sort_keys=False)
mode = cfg["filters"]["mode"]
source = {"table": files["table"], "l3": files["l3_table"], "derived": snakemake.output.derived}[mode]  # noqa: F821
with open(snakemake.output.applied, "w") as f:  # noqa: F821
    yaml.safe_dump({"mode": mode, "source": str(source), "filters": applied}, f, sort_keys=False)
log.info("filters mode %s: %d filters applied; %d derived", mode, len(applied), len(derived))
