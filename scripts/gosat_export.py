"""CF-1.8 files of one GOSAT species, one per month: the per-sounding file and the
super-observations (thin wrapper)."""

import pandas as pd

from satcol.core import logutil, provenance, timeutil
from satcol.export import gosat as export
from satcol.instruments.gosat import instrument
from satcol.pipeline import gosat as workflow

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, w, params = snakemake.input, snakemake.output, snakemake.wildcards, snakemake.params  # noqa: F821
cfg = dict(params.superobs)
corrected = pd.read_parquet(inp.corrected).set_index("sounding_id", drop=False)
registry = instrument.qc_registry(inp.screening)
upstream = [provenance.recorded_config_hash(inp.corrected)]
months = workflow.read_store_months(params.years, inp.tables, inp.profiles, corrected, params.months)
for (month, table_path, prof_path, table, corr, profiles), path, so_path in zip(months, out.soundings, out.superobs,
                                                                                 strict=True):
    n_kept = int((corr["qc"] == 0).sum())
    prov = provenance.provenance({"species": w.species}, inputs=[table_path, prof_path], upstream=upstream)
    export.write(export.sounding_dataset(table, corr, profiles, registry, w.species, prov, month), path)
    so = export.superobs(table, corr, profiles, w.species, cfg, timeutil.day_start_unix(pd.Timestamp(f"{month}-01").date()))
    prov = provenance.provenance({"species": w.species, "superobs": cfg}, inputs=[table_path, prof_path],
                                 upstream=upstream)
    export.write(export.superobs_dataset(so, w.species, cfg, prov, month, n_kept), so_path)
    log.info("GOSAT %s export %s: %d soundings, %d kept; %d super-observations from %d of them", w.species, month,
             len(table), n_kept, so["n_soundings"].size, int(so["n_soundings"].sum()))
