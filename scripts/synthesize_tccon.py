"""Write one synthetic TCCON public file, GGG2020 or GGG2014 per synthetic.tccon_format (thin wrapper)."""

from satcol.core import logutil
from satcol.synthetic import tccon

log = logutil.setup(snakemake.log[0])  # noqa: F821
sites = tccon.read_site_table(snakemake.input.sites_table)  # noqa: F821
site = sites[sites["id"] == snakemake.wildcards.site].iloc[0]  # noqa: F821
sim = tccon.simulate_site(site, snakemake.params.synthetic)  # noqa: F821
if sim is None:
    raise RuntimeError(f"site {site['id']}: no clear synthetic day with daylight; nothing to write")
tccon.write(snakemake.output[0], sim, site)  # noqa: F821
log.info("%s: %d measurements written to %s", site["id"], sim["time"].size, snakemake.output[0])  # noqa: F821
