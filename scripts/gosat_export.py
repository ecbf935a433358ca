"""CF-1.8 per-sounding files of one GOSAT species, one per month (thin wrapper)."""

import numpy as np
import pandas as pd

from satcol.core import logutil, provenance
from satcol.export import gosat as export
from satcol.instruments.gosat import instrument

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, w, params = snakemake.input, snakemake.output, snakemake.wildcards, snakemake.params  # noqa: F821
corrected = pd.read_parquet(inp.corrected).set_index("sounding_id", drop=False)
registry = instrument.qc_registry(inp.screening)
upstream = [provenance.recorded_config_hash(inp.corrected)]
for month, table_path, prof_path, path in zip(params.months, inp.tables, inp.profiles, out, strict=True):
    table = pd.read_parquet(table_path)
    corr = corrected.loc[table["sounding_id"].to_numpy()].reset_index(drop=True)
    with np.load(prof_path) as f:
        profiles = {k: f[k] for k in f.files if k != "sounding_id"}
    prov = provenance.provenance({"species": w.species}, inputs=[table_path, prof_path], upstream=upstream)
    export.write(export.sounding_dataset(table, corr, profiles, registry, w.species, prov, month), path)
    log.info("GOSAT %s export %s: %d soundings, %d kept", w.species, month, len(table), int((corr["qc"] == 0).sum()))
