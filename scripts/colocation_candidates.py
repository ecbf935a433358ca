"""Kept, corrected soundings of one month inside any TCCON coincidence box (thin wrapper)."""

from satcol import colocation, logutil, provenance
from satcol.summary import write_json

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out = snakemake.input, snakemake.output  # noqa: F821
sites = colocation.load_sites(snakemake.params.sites_table, snakemake.params.sites)  # noqa: F821
prov = provenance.provenance(snakemake.config, inputs=[inp.corrected, inp.table])  # noqa: F821
report = colocation.month_candidates(inp.corrected, inp.table, inp.profiles, sites, out.candidates, prov)
write_json(report, out.report)
log.info("%s", report)
