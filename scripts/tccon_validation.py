"""Global TCCON validation: York fits per method and variant, drift, per-site, LOSO (thin wrapper)."""

import json

import pandas as pd

from satcol.core import ioutil, logutil
from satcol.pipeline.summary import write_json
from satcol.validation import fits as validation

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out = snakemake.input, snakemake.output  # noqa: F821
frames = []
for p in inp.days:
    try:
        frames.append(pd.read_csv(p))
    except pd.errors.EmptyDataError:
        continue
frames = [f for f in frames if len(f)]
days = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
counts = {}
for p in inp.counts:
    with open(p) as f:
        c = json.load(f)
    counts[c.pop("site")] = c
result = validation.validate(days, validation.variant_labels(validation.store_attrs(inp.tccon)))
result["counts_per_site"] = counts
ioutil.write_csv(days, out.days)
ioutil.write_csv(validation.per_site(days), out.per_site)
ioutil.write_csv(pd.DataFrame(result["loso"]["per_site"]), out.loso)
write_json(result, out.summary)
ii = result["method_II"]["standard"]
log.info("method II (standard): n=%s scale=%s slope=%s intercept=%s", ii.get("n"), ii.get("scale_factor"),
         ii.get("slope"), ii.get("intercept"))
