"""Second SRA of one month: filtered, feature-corrected, no pixel correction (thin wrapper)."""

import json

from satcol.core import ioutil, logutil, store
from satcol.instruments.mopitt import qcchain

log = logutil.setup(snakemake.log[0])  # noqa: F821
qc = store.read_soundings(snakemake.input.qc)  # noqa: F821
with open(snakemake.input.accepted) as f:  # noqa: F821
    accepted = json.load(f)["accepted"]
table = store.read_soundings(snakemake.input.table, columns=qcchain.with_feature_columns(qcchain.SRA2_COLUMNS, accepted))  # noqa: F821
partial, stats = qcchain.run_sra2(table, qc, accepted,  # noqa: F821
                                  {"sra": snakemake.params.sra, "pixel_bias": snakemake.params.pixel_bias},  # noqa: F821
                                  snakemake.params.origin)  # noqa: F821
ioutil.write_parquet(partial, snakemake.output.partial)  # noqa: F821
ioutil.write_json(stats, snakemake.output.stats)  # noqa: F821
log.info("second SRA: %s", stats)
