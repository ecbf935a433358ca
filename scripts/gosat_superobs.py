"""CF-1.8 super-observation files of one GOSAT species, one per month (thin wrapper)."""

import pandas as pd

from satcol.core import logutil, provenance, timeutil
from satcol.export import gosat as export
from satcol.pipeline import gosat as workflow

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, w, params = snakemake.input, snakemake.output, snakemake.wildcards, snakemake.params  # noqa: F821
cfg = dict(params.superobs)
corrected = pd.read_parquet(inp.corrected).set_index("sounding_id", drop=False)
upstream = [provenance.recorded_config_hash(inp.corrected)]
months = workflow.read_store_months(params.years, inp.tables, inp.profiles, corrected, params.months)
for (month, table_path, prof_path, table, corr, profiles), path in zip(months, out, strict=True):
    origin = timeutil.day_start_unix(pd.Timestamp(f"{month}-01").date())
    so = export.superobs(table, corr, profiles, w.species, cfg, origin)
    n_kept = int((corr["qc"] == 0).sum())
    prov = provenance.provenance({"species": w.species, "superobs": cfg}, inputs=[table_path, prof_path],
                                 upstream=upstream)
    export.write(export.superobs_dataset(so, w.species, cfg, prov, month, n_kept), path)
    log.info("GOSAT %s super-observations %s: %d from %d of %d kept soundings", w.species, month,
             so["n_soundings"].size, int(so["n_soundings"].sum()), n_kept)
