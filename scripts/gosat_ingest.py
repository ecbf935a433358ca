"""Ingest one year of GOSAT L2 files into the store, one table per species (thin wrapper)."""

from satcol.core import logutil
from satcol.pipeline import gosat as workflow

log = logutil.setup(snakemake.log[0])  # noqa: F821
out, params = snakemake.output, snakemake.params  # noqa: F821
files = workflow.l2_files(snakemake.input)  # noqa: F821
for species in params.species:
    table, profiles, report = workflow.ingest_files(files[species], species,
                                                    {"species": species, "on_bad_input": params.on_bad_input})
    workflow.write_store(table, profiles, report, out[f"{species}_table"], out[f"{species}_profiles"],
                         out[f"{species}_report"])
    log.info("GOSAT %s %s: %d soundings from %d files, %d input_fill, %d file(s) skipped", species,
             snakemake.wildcards.year, report["n_soundings"], len(report["files"]), report["n_input_fill"],  # noqa: F821
             len(report["skipped"]))
