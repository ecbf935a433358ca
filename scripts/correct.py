"""Corrected XCO for one month, beside the original; then, from the same soundings in memory,
the month's TCCON colocation candidates and error-correlation pair statistics (thin wrapper)."""

import json

import numpy as np
import pandas as pd

from satcol.core import ioutil, logutil, provenance, store
from satcol.export import products as export
from satcol.instruments.mopitt import qc as qcmod
from satcol.instruments.mopitt import qcchain
from satcol.validation import colocation

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, params = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
cfg = {"instrument_events": params.instrument_events, "sra": params.sra,
       "export": {"error_correlation": params.error_correlation}}
qc = store.read_soundings(inp.qc)
with open(inp.accepted) as f:
    accepted = json.load(f)["accepted"]
fits = pd.read_csv(inp.fits)
columns = list(dict.fromkeys(qcchain.with_feature_columns(qcchain.CORRECT_COLUMNS, accepted) + export.PAIR_COLUMNS
                             + colocation.candidate_columns()))
table = store.read_soundings(inp.table, columns=columns)
corrected = qcchain.run_correct(table, qc, accepted, fits, cfg, params.origin)
with open(inp.store_report) as f:
    prov = provenance.with_store(cfg, json.load(f), inputs=[inp.qc, inp.accepted, inp.fits])
store.write_frame(corrected, out.corrected, prov, with_qc=True)
q = corrected["qc"].to_numpy()
report = {"n_soundings": int(len(corrected)), "n_kept": int(np.count_nonzero(q == 0)),
          "n_flagged": int(np.count_nonzero(q != 0)), "qc_counts": qcmod.counts_per_bit(q),
          "qc_only_counts": qcmod.counts_only_bit(q)}
ioutil.write_json(report, out.report)
log.info("%s", report)

sites = colocation.load_sites(inp.sites_table, params.sites)
cand = colocation.month_candidates(corrected, table, inp.profiles, sites, out.candidates, prov)
ioutil.write_json(cand, out.candidates_report)
log.info("colocation candidates: %s", cand)

pairs = export.error_correlation_partial(table, corrected, cfg)
ioutil.write_parquet(pairs, out.pairs)
log.info("error correlation: %d pairs in %d separation bins", int(pairs["n_pairs"].sum()), len(pairs))
