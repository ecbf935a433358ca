"""Apply the chosen filters to one month; feature-fit statistics (thin wrapper)."""

import yaml

from satcol.core import ioutil, logutil, store
from satcol.instruments.mopitt import filters, qcchain

log = logutil.setup(snakemake.log[0])  # noqa: F821
with open(snakemake.input.applied) as f:  # noqa: F821
    applied = filters.validate_filters(yaml.safe_load(f)["filters"], snakemake.input.applied)  # noqa: F821
candidates = filters.load_candidates(snakemake.input.candidates)  # noqa: F821
columns = qcchain.with_fields(qcchain.APPLY_FILTERS_COLUMNS, candidates, applied)
table = store.read_soundings(snakemake.input.table, columns=columns)  # noqa: F821
qc_pre = store.read_soundings(snakemake.input.qc)  # noqa: F821
sra_out = store.read_soundings(snakemake.input.sra)  # noqa: F821
config = {"sra": snakemake.params.sra, "feature_bias": snakemake.params.feature_bias}  # noqa: F821
qc, feature, rms, after = qcchain.run_apply_filters(table, qc_pre, sra_out, applied, candidates, config)
ioutil.write_parquet(qc, snakemake.output.qc)  # noqa: F821
ioutil.write_parquet(feature, snakemake.output.feature)  # noqa: F821
ioutil.write_parquet(after, snakemake.output.after)  # noqa: F821
ioutil.write_json(rms, snakemake.output.stats)  # noqa: F821
log.info("%d of %d soundings kept after filters", int((qc["qc"] == 0).sum()), len(qc))
