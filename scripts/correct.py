"""Corrected XCO for one month, beside the original (thin wrapper)."""

import json

import numpy as np
import pandas as pd

from satcol import ioutil, logutil, provenance, qcchain, store
from satcol import qc as qcmod

log = logutil.setup(snakemake.log[0])  # noqa: F821
qc = pd.read_parquet(snakemake.input.qc)  # noqa: F821
with open(snakemake.input.accepted) as f:  # noqa: F821
    accepted = json.load(f)["accepted"]
table = store.read_soundings(snakemake.input.table, columns=qcchain.with_feature_columns(qcchain.CORRECT_COLUMNS, accepted))  # noqa: F821
fits = pd.read_csv(snakemake.input.fits)  # noqa: F821
out = qcchain.run_correct(table, qc, accepted, fits, snakemake.config, snakemake.params.origin)  # noqa: F821
prov = provenance.provenance(snakemake.config, inputs=[str(p) for p in snakemake.input])  # noqa: F821
store.write_frame(out, snakemake.output.corrected, prov, with_qc=True)  # noqa: F821
q = out["qc"].to_numpy()
report = {"n_soundings": int(len(out)), "n_kept": int(np.count_nonzero(q == 0)),
          "n_flagged": int(np.count_nonzero(q != 0)), "qc_counts": qcmod.counts_per_bit(q),
          "qc_only_counts": qcmod.counts_only_bit(q)}
ioutil.write_json(report, snakemake.output.report)  # noqa: F821
log.info("%s", report)
