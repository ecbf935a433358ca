"""H19 Figs. 4-8 from the TCCON validation products (thin wrapper)."""

import json

import pandas as pd

from satcol.core import logutil
from satcol.instruments.mopitt import figures as mopitt_figures
from satcol.plots import figures as plots
from satcol.validation import colocation

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out = snakemake.input, snakemake.output  # noqa: F821
sites = colocation.load_sites(inp.sites_table)
with open(inp.summary) as f:
    summary = json.load(f)
try:
    days = pd.read_csv(inp.days)
except pd.errors.EmptyDataError:
    days = pd.DataFrame()
if days.empty:
    for path in (p for p in out if p.endswith(".png")):  # each writes its PDF beside it
        plots.empty_figure(path, "no MOPITT-TCCON colocated day in this run")
    log.info("no colocated days: placeholder figures written")
    raise SystemExit(0)
snd = pd.concat([d for d in (pd.read_parquet(p) for p in inp.soundings) if len(d)], ignore_index=True)
plots.fig4(snd, sites, out.fig4)
plots.fig5(days, summary["method_II"]["standard"], out.fig5)
plots.fig5(days, summary["method_II"]["unscaled"], out.fig5_unscaled, variant="unscaled")
plots.fig6(days, sites, out.fig6)
plots.fig7(days, out.fig7)
mopitt_ak = mopitt_figures.unitless_aks(inp.candidates)
busiest = max(inp.tccon, key=lambda p: summary["counts_per_site"].get(p.split("/")[-1][:2], {}).get("days_compared", 0))
mopitt_figures.fig8(mopitt_ak, colocation.tccon_ak_sample(busiest), out.fig8)
log.info("validation figures written; TCCON AK from %s", busiest)
