"""Write one month of the synthetic GOSAT CO2 product as a second product version (thin wrapper)."""

from satcol.core import logutil
from satcol.pipeline import gosat as workflow
from satcol.synthetic import tccon

log = logutil.setup(snakemake.log[0])  # noqa: F821
params = snakemake.params  # noqa: F821
paths = workflow.synthesize_version_month(snakemake.output[0], params.days, params.synthetic_gosat,  # noqa: F821
                                          tccon.read_site_table(snakemake.input.sites_table))  # noqa: F821
log.info("GOSAT synthetic version %s, %s: %d files", params.synthetic_gosat["compare_version"]["version"],
         snakemake.wildcards.ym, len(paths))  # noqa: F821
