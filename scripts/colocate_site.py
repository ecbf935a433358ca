"""Compare one TCCON site with an instrument's colocated soundings, by day and surface (thin wrapper)."""

import pandas as pd

from satcol import instruments
from satcol.core import config, ioutil, logutil
from satcol.pipeline.summary import write_json
from satcol.validation import colocation

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out = snakemake.input, snakemake.output  # noqa: F821
site = snakemake.wildcards.site  # noqa: F821
cfg = snakemake.params.colocation  # noqa: F821
config.load_plugins(snakemake.params.plugins)  # noqa: F821
instrument = instruments.get(snakemake.wildcards.instrument)  # noqa: F821
vmr = instrument.grid.state_space == "vmr"
cand = colocation.read_site_candidates(inp.candidates, site, instrument=instrument, pressure=vmr)
tccon = colocation.read_tccon_store(inp.tccon, species=instrument.primary_species.name)
if cand and tccon:
    # the AK comparison in the instrument's state space (VMR: akcompare.vmr_methods)
    snd, days, counts = colocation.colocate_site(cand, tccon, cfg["window_minutes"], cfg["method_ii_exact"],
                                                 cfg["overpass_gap_minutes"], instrument=instrument)
else:  # no sounding in the box, or no TCCON measurement left (its files skipped as bad input)
    snd, days, counts = pd.DataFrame(), pd.DataFrame(), {"candidates": len(cand.get("time_s", [])) if cand else 0,
                                                         "tccon_measurements": int(len(tccon.get("time_s", [])))}
for df in (snd, days):
    if len(df):
        df.insert(0, "site", site)
if len(days):
    days["site_lat"] = tccon["lat"]
ioutil.write_parquet(snd, out.soundings)
ioutil.write_csv(days, out.days)
write_json({"site": site, **counts}, out.counts)
log.info("%s %s: %s", instrument.name, site, counts)
