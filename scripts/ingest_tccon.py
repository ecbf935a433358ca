"""Ingest one TCCON site's public files into a per-site table (thin wrapper)."""

from satcol.core import logutil
from satcol.download.plan import expand_inputs
from satcol.pipeline import ingest
from satcol.pipeline.summary import write_json

log = logutil.setup(snakemake.log[0])  # noqa: F821
# Download manifests (download.enabled) stand for the files they list.
files, downloads = expand_inputs(snakemake.input)  # noqa: F821
report = ingest.ingest_tccon_site(
    snakemake.wildcards.site,  # noqa: F821
    files,
    snakemake.output.store,  # noqa: F821
    {"on_bad_input": snakemake.params.on_bad_input},  # noqa: F821
    period=tuple(snakemake.params.period),  # noqa: F821
)
if downloads:
    report["downloads"] = downloads  # URL, archive checksum, retrieval time of each file
write_json(report, snakemake.output.report)  # noqa: F821
log.info("%s: %d measurements", report["site"], report["n_measurements"])
