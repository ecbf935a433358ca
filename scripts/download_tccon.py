"""Fetch one TCCON site's public GGG2020 file(s) from CaltechDATA; write its manifest (thin wrapper)."""

from satcol.core import logutil
from satcol.download import jobs

log = logutil.setup(snakemake.log[0])  # noqa: F821
doc = jobs.tccon_site(snakemake.wildcards.site, snakemake.input.sites_table,  # noqa: F821
                      snakemake.params.tccon, snakemake.params.transfer, snakemake.output[0])  # noqa: F821
log.info("TCCON %s: %d files", doc["key"], len(doc["files"]))
