"""S23-style GOSAT validation figures of a species (thin wrapper around satcol.plots.gosat)."""

import pandas as pd

from satcol.core import logutil
from satcol.plots import gosat as gosat_plots
from satcol.validation import colocation

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, w = snakemake.input, snakemake.output, snakemake.wildcards  # noqa: F821
m = pd.read_parquet(inp.matchups)
site_table = pd.read_csv(inp.sites)
coefficients = pd.read_csv(inp.coefficients)
sites = colocation.load_sites(inp.sites_table)
gosat_plots.differences_by_category(m, w.species, out.differences_by_category)
gosat_plots.site_bias_map(site_table, sites, w.species, out.site_bias_map)
gosat_plots.site_bias_bars(site_table, sites, w.species, out.site_bias_bars)
gosat_plots.monthly_differences(m, w.species, out.monthly_differences)
effects = gosat_plots.partial_effects(m, coefficients, w.species, out.partial_effects)
log.info("GOSAT %s figures from %d match-ups; partial effects:\n%s", w.species, len(m), effects.to_string())
