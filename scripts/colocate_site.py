"""Compare one TCCON site with its colocated MOPITT soundings, by day and surface (thin wrapper)."""

import pandas as pd

from satcol.core import ioutil, logutil
from satcol.pipeline.summary import write_json
from satcol.validation import colocation

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out = snakemake.input, snakemake.output  # noqa: F821
site = snakemake.wildcards.site  # noqa: F821
cfg = snakemake.params.colocation  # noqa: F821
cand = colocation.read_site_candidates(inp.candidates, site)
tccon = colocation.read_tccon_store(inp.tccon)
if cand and tccon:
    snd, days, counts = colocation.colocate_site(cand, tccon, cfg["window_minutes"], cfg["method_ii_exact"],
                                                 cfg["overpass_gap_minutes"])
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
log.info("%s: %s", site, counts)
