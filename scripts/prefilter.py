"""Prefilter one month: QC bits for night, snow/ice, mixed surface (thin wrapper)."""

from satcol.core import ioutil, logutil, store
from satcol.instruments.mopitt import qcchain

log = logutil.setup(snakemake.log[0])  # noqa: F821
table = store.read_soundings(snakemake.input.table, columns=qcchain.PREFILTER_COLUMNS)  # noqa: F821
qc, partial = qcchain.run_prefilter(table, {"prefilter": snakemake.params.prefilter,  # noqa: F821
                                            "pixel_bias": snakemake.params.pixel_bias},  # noqa: F821
                                     snakemake.params.origin)  # noqa: F821
ioutil.write_parquet(qc, snakemake.output.qc)  # noqa: F821
ioutil.write_parquet(partial, snakemake.output.partial)  # noqa: F821
log.info("%d soundings, %d pass the prefilter", len(qc), int((qc["qc"] == 0).sum()))
