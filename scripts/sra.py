"""First SRA of one month with the preliminary pixel correction (thin wrapper)."""

from satcol.core import ioutil, logutil, store
from satcol.instruments.mopitt import filters, qcchain

log = logutil.setup(snakemake.log[0])  # noqa: F821
candidates = filters.load_candidates(snakemake.input.candidates)  # noqa: F821
table = store.read_soundings(snakemake.input.table, columns=qcchain.with_fields(qcchain.SRA_COLUMNS, candidates))  # noqa: F821
qc = store.read_soundings(snakemake.input.qc)  # noqa: F821
prelim = qcchain.load_frames(snakemake.input.prelim)  # noqa: F821
out, diag, stats = qcchain.run_sra(table, qc, prelim, {"sra": snakemake.params.sra}, candidates, snakemake.params.origin)  # noqa: F821
ioutil.write_parquet(out, snakemake.output.sra)  # noqa: F821
ioutil.write_parquet(diag, snakemake.output.diagnostics)  # noqa: F821
ioutil.write_json(stats, snakemake.output.stats)  # noqa: F821
log.info("SRA: %s", stats)
