"""S23 Table 3 screening of a GOSAT species' record as QC bits (thin wrapper)."""

from satcol.core import ioutil, logutil, provenance
from satcol.pipeline import gosat as workflow

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, w = snakemake.input, snakemake.output, snakemake.wildcards  # noqa: F821
table = workflow.load_record(inp.tables, inp.reports)
qc, report = workflow.screen_record(table, inp.screening, {"species": w.species}, inputs=(),
                                    upstream=[provenance.recorded_config_hash(p) for p in inp.reports])
workflow._write_parquet(qc, out.qc, report["provenance"], {"satcol_species": w.species})
ioutil.write_json(report, out.report)
log.info("GOSAT %s screening: %d in, %d kept, %d flagged", w.species, report["n_in"], report["n_kept"],
         report["n_flagged"])
