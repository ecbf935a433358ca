"""Reduce the SRA diagnostics, derive thresholds, choose the filters to apply (thin wrapper)."""

import os

import pandas as pd

from satcol.core import ioutil, logutil
from satcol.instruments.mopitt import filters, qcchain

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp = snakemake.input  # noqa: F821
cfg = {"filters": snakemake.params.filters}  # noqa: F821
candidates = filters.load_candidates(inp.candidates)
diag_partials = [pd.read_parquet(p) for p in inp.diagnostics]
diag, derived, applied = qcchain.run_filters(diag_partials, cfg, candidates, filters.load_filter_file(inp.table),
                                             filters.load_filter_file(inp.l3_table))
ioutil.write_csv(diag, snakemake.output.diagnostics)  # noqa: F821
criteria = cfg["filters"]["criteria"]
ioutil.write_yaml({"source": "derived from this run's SRA diagnostics by the H19 criteria",
                   "criteria": criteria, "filters": derived}, snakemake.output.derived, sort_keys=False)  # noqa: F821
mode = cfg["filters"]["mode"]
source = os.path.abspath({"table": inp.table, "l3": inp.l3_table, "derived": snakemake.output.derived}[mode])  # noqa: F821
# Recorded relative to the working directory where it lies inside it, so that the same run in two
# checkouts writes the same text (the file's checksum is in the provenance).
if not os.path.relpath(source).startswith(".."):
    source = os.path.relpath(source)
ioutil.write_yaml({"mode": mode, "source": str(source), "filters": applied}, snakemake.output.applied,  # noqa: F821
                  sort_keys=False)
log.info("filters mode %s: %d filters applied; %d derived", mode, len(applied), len(derived))
