"""Fetch one month of one GOSAT NIES L2 product from the GDAS server; write its manifest (thin wrapper)."""

from satcol.core import logutil
from satcol.download import jobs

log = logutil.setup(snakemake.log[0])  # noqa: F821
doc = jobs.gosat_month(snakemake.wildcards.product, snakemake.wildcards.ym,  # noqa: F821
                       snakemake.params.gosat, snakemake.params.transfer, snakemake.output[0])  # noqa: F821
log.info("GOSAT %s: %d files", doc["key"], len(doc["files"]))
