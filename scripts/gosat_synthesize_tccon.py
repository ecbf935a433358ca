"""Write the TCCON files (GGG2020, or GGG2014 when the rule says so) of the GOSAT sites (thin wrapper)."""

from satcol.core import logutil
from satcol.pipeline import gosat as workflow
from satcol.synthetic import tccon

log = logutil.setup(snakemake.log[0])  # noqa: F821
params = snakemake.params  # noqa: F821
variant = getattr(params, "variant", "GGG2020")  # the GGG2014 rule sets it
paths = workflow.synthesize_tccon(snakemake.output[0], params.days, params.synthetic_gosat,  # noqa: F821
                                  tccon.read_site_table(snakemake.input.sites_table), variant)  # noqa: F821
log.info("GOSAT TCCON %s: %d files", variant, len(paths))
