"""The per-month table of a plug-in instrument whose correction is "none": the value as
retrieved beside itself, with the prefilter's QC bits (flagged, none dropped; thin wrapper)."""

import json

import numpy as np
import pandas as pd

from satcol import instruments
from satcol.core import config, ioutil, logutil, provenance, store

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, params = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
config.load_plugins(params.plugins)
instrument = instruments.get(snakemake.wildcards.instrument)  # noqa: F821
if instrument.correction != "none":
    raise config.ConfigError(f"config key instruments.{instrument.name}: its correction {instrument.correction!r} has "
                             "no rules; a plug-in instrument without a chain of its own must declare correction 'none'")
table = store.read_soundings(inp.table, columns=["sounding_id", "xgas"])
qc = store.read_soundings(inp.qc)
if not np.array_equal(qc["sounding_id"].to_numpy(), table["sounding_id"].to_numpy()):
    raise RuntimeError(f"{inp.qc}: QC table not in store order; rerun the month")
corrected = pd.DataFrame({"sounding_id": table["sounding_id"].to_numpy(), "qc": qc["qc"].to_numpy(),
                          "xgas": table["xgas"].to_numpy(), "xgas_corrected": table["xgas"].to_numpy()})
with open(inp.store_report) as f:
    prov = provenance.with_store({"correction": "none"}, json.load(f), inputs=[inp.qc],
                                 upstream=[provenance.recorded_config_hash(inp.qc)])
store.write_frame(corrected, out.corrected, prov, with_qc=instrument.qc)
q = corrected["qc"].to_numpy()
report = {"n_soundings": int(len(q)), "n_kept": int(np.count_nonzero(q == 0)), "n_flagged": int(np.count_nonzero(q != 0)),
          "qc_counts": instrument.qc.counts_per_bit(q), "provenance": prov}
ioutil.write_json(report, out.report)
log.info("%s", {k: v for k, v in report.items() if k != "provenance"})
