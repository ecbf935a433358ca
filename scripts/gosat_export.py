"""CF-1.8 per-sounding files of one GOSAT species, one per month (thin wrapper)."""

import pandas as pd

from satcol.core import logutil, provenance
from satcol.export import gosat as export
from satcol.instruments.gosat import instrument
from satcol.pipeline import gosat as workflow

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, w, params = snakemake.input, snakemake.output, snakemake.wildcards, snakemake.params  # noqa: F821
corrected = pd.read_parquet(inp.corrected).set_index("sounding_id", drop=False)
registry = instrument.qc_registry(inp.screening)
upstream = [provenance.recorded_config_hash(inp.corrected)]
months = workflow.read_store_months(params.years, inp.tables, inp.profiles, corrected, params.months)
for (month, table_path, prof_path, table, corr, profiles), path in zip(months, out, strict=True):
    prov = provenance.provenance({"species": w.species}, inputs=[table_path, prof_path], upstream=upstream)
    export.write(export.sounding_dataset(table, corr, profiles, registry, w.species, prov, month), path)
    log.info("GOSAT %s export %s: %d soundings, %d kept", w.species, month, len(table), int((corr["qc"] == 0).sum()))
