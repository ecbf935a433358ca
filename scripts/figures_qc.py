"""QC figures and the filter table (thin wrapper; plotting code in satcol.plots.figures)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from satcol.core import binstats, ioutil, logutil, store
from satcol.instruments.mopitt import figures as mopitt_figures
from satcol.instruments.mopitt import filters, qcchain
from satcol.instruments.mopitt import qc as qcmod

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, params = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
cfg = {"pixel_bias": params.pixel_bias, "instrument_events": params.instrument_events}
candidates = filters.load_candidates(inp.candidates)
with open(inp.applied) as f:
    applied = yaml.safe_load(f)

# Fig. 1
table = store.read_soundings(inp.fig1_table)
mopitt_figures.fig1(table, pd.read_parquet(inp.fig1_qc)["qc"].to_numpy(), params.month, out.fig1)

# Fig. 2: preliminary (15-day bins) and final (10-day bins, fixed effects)
prelim = qcchain.load_frames(inp.prelim)
events = qcchain.events_s(cfg)
mopitt_figures.fig2(prelim["bins"], events, out.fig2)
mopitt_figures.fig2(pd.read_csv(inp.final_bins), events, out.fig2_final,
           title=f"final pixel bias ({cfg['pixel_bias']['final_estimator']}), "
                 f"{cfg['pixel_bias']['final_bin_days']:g}-day bins, second SRA")

# Fig. 3-style diagrams for every candidate
diag = pd.read_csv(inp.diagnostics)
after = binstats.reduce([pd.read_parquet(p) for p in inp.after], filters.KEYS)
after = after[after["kind"] == "hist_filtered"].groupby(["candidate", "surface", "bin"], as_index=False)["n"].sum()
after = after.rename(columns={"n": "hist_filtered"}).merge(
    diag[["candidate", "surface", "bin", "bin_lo", "bin_hi"]], on=["candidate", "surface", "bin"], how="left")
Path(out.fig3).mkdir(parents=True, exist_ok=True)
for cand in candidates:
    mopitt_figures.fig3(diag, after, cand, applied["filters"], Path(out.fig3) / f"fig3_{cand}.png")

# Filter table: each applied filter with the soundings its bit flags over the whole run
counts, only = {}, {}
total = kept = 0
for p in inp.corrected:
    with open(p) as f:
        r = json.load(f)
    total += r["n_soundings"]
    kept += r["n_kept"]
    for k, v in r["qc_counts"].items():
        counts[k] = counts.get(k, 0) + v
    for k, v in r["qc_only_counts"].items():
        only[k] = only.get(k, 0) + v
rows = []
for bit in qcmod.QC_BITS:
    specs = [f for f in applied["filters"] if qcmod.filter_bit(f["field"]) == bit.name] if bit.stage == "filters" else []
    if bit.stage == "filters" and not specs:
        continue
    rule = "; ".join(f"{f['field']} {f['op']} {f['threshold']:g} ({f['surface']})" for f in specs) or bit.meaning
    rows.append({"bit": bit.bit, "name": bit.name, "stage": bit.stage, "criteria": rule,
                 "n_flagged": counts.get(bit.name, 0),
                 "fraction_flagged": counts.get(bit.name, 0) / total if total else np.nan,
                 "n_passing": total - counts.get(bit.name, 0),
                 "n_flagged_by_this_bit_only": only.get(bit.name, 0)})
rows.append({"bit": "", "name": "all", "stage": "", "criteria": f"ingested {total}; kept by every filter {kept}",
             "n_flagged": total - kept, "fraction_flagged": (total - kept) / total if total else np.nan,
             "n_passing": kept, "n_flagged_by_this_bit_only": ""})
tab = pd.DataFrame(rows)
tab.attrs["mode"] = applied["mode"]
ioutil.write_csv(tab, out.table)
log.info("filters mode %s\n%s", applied["mode"], tab.to_string())
