"""Prefilter one month of a plug-in instrument: its prefilter hooks set its own QC bits (thin wrapper)."""

import json

import numpy as np
import pandas as pd

from satcol import instruments
from satcol.core import config, logutil, provenance, store

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, params = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
config.load_plugins(params.plugins)
instrument = instruments.get(snakemake.wildcards.instrument)  # noqa: F821
table = store.read_soundings(inp.table)
qc = instrument.prefilter(table, params.prefilter)
with open(inp.store_report) as f:
    prov = provenance.with_store({"prefilter": params.prefilter}, json.load(f))
store.write_frame(pd.DataFrame({"sounding_id": table["sounding_id"].to_numpy(), "qc": qc}), out.qc, prov,
                  with_qc=instrument.qc)
log.info("%s: %d soundings, %d pass the prefilter", instrument.name, len(qc), int(np.count_nonzero(qc == 0)))
