"""Write one month of the synthetic GOSAT record (NIES L2, both products, truth tables; thin wrapper)."""

from satcol.core import logutil
from satcol.pipeline import gosat as workflow
from satcol.synthetic import tccon

log = logutil.setup(snakemake.log[0])  # noqa: F821
params = snakemake.params  # noqa: F821
paths = workflow.synthesize_month(snakemake.output[0], params.days, params.synthetic_gosat,  # noqa: F821
                                  tccon.read_site_table(snakemake.input.sites_table))  # noqa: F821
log.info("GOSAT synthetic %s: %d files for %d days", snakemake.wildcards.ym, len(paths), len(params.days))  # noqa: F821
