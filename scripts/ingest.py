"""Ingest one month of an instrument's L2 files into its canonical store (thin wrapper)."""

from satcol import instruments
from satcol.core import config, logutil
from satcol.download.plan import expand_inputs
from satcol.pipeline import ingest
from satcol.pipeline.summary import write_json

log = logutil.setup(snakemake.log[0])  # noqa: F821
config.load_plugins(snakemake.params.plugins)  # noqa: F821
instrument = instruments.get(snakemake.wildcards.instrument)  # noqa: F821
# Download manifests (download.enabled) stand for the files they list.
files, downloads = expand_inputs(snakemake.input)  # noqa: F821
report = ingest.ingest_month(
    instrument,
    snakemake.wildcards.ym,  # noqa: F821
    files,
    snakemake.output.table,  # noqa: F821
    snakemake.output.profiles,  # noqa: F821
    {"on_bad_input": snakemake.params.on_bad_input},  # noqa: F821
)
if downloads:
    report["downloads"] = downloads  # URL, archive checksum, retrieval time of each file
write_json(report, snakemake.output.report)  # noqa: F821
log.info("%s %s: %d soundings ingested, %d files skipped", instrument.name, report["month"], report["n_soundings"],
         len(report["skipped"]))
