"""One month's TCCON colocation candidates of an instrument on a value column: the store's as
retrieved (stage raw, QC before the correction) or the corrected one (thin wrapper)."""

import json

from satcol import instruments
from satcol.core import config, ioutil, logutil, provenance, store
from satcol.validation import colocation

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards  # noqa: F821
config.load_plugins(params.plugins)
instrument = instruments.get(wc.instrument)
table = store.read_soundings(inp.table, columns=colocation.candidate_columns(instrument) + ["time", "xgas"])
qc = store.read_soundings(inp.qc)
if wc.stage == "corrected":
    values = qc[["sounding_id", "qc", "xgas", "xgas_corrected"]]
else:  # the value as retrieved, with the QC before the correction
    values = qc[["sounding_id", "qc"]].assign(xgas=table["xgas"].to_numpy(), xgas_corrected=table["xgas"].to_numpy())
try:  # the corrected table records its config hash; a QC table of the chain may not
    upstream = [provenance.recorded_config_hash(inp.qc)]
except KeyError:
    upstream = []
with open(inp.store_report) as f:
    prov = provenance.with_store({}, json.load(f), inputs=[inp.qc], upstream=upstream)
sites = colocation.load_sites(inp.sites_table, params.sites)
report = colocation.month_candidates(values, table, inp.profiles, sites, out.candidates, prov, instrument=instrument)
ioutil.write_json({"stage": wc.stage, **report}, out.report)
log.info("%s %s %s candidates: %s", instrument.name, wc.ym, wc.stage, report)
