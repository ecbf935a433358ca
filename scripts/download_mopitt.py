"""Fetch one month of MOPITT L2 files found by the CMR search; write its manifest (thin wrapper)."""

from satcol.core import logutil
from satcol.download import jobs

log = logutil.setup(snakemake.log[0])  # noqa: F821
doc = jobs.mopitt_month(snakemake.wildcards.ym, snakemake.params.mopitt,  # noqa: F821
                        snakemake.params.transfer, snakemake.output[0])  # noqa: F821
log.info("MOPITT %s: %d files", doc["key"], len(doc["files"]))
