"""Prefilter one month: QC bits for night, snow/ice, mixed surface (thin wrapper)."""

from satcol import logutil, qcchain, store

log = logutil.setup(snakemake.log[0])  # noqa: F821
table = store.read_soundings(snakemake.input.table)  # noqa: F821
qc, partial = qcchain.run_prefilter(table, snakemake.config, snakemake.params.origin)  # noqa: F821
qc.to_parquet(snakemake.output.qc, index=False)  # noqa: F821
partial.to_parquet(snakemake.output.partial, index=False)  # noqa: F821
log.info("%d soundings, %d pass the prefilter", len(qc), int((qc["qc"] == 0).sum()))
