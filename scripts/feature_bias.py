"""Fit feature-bias corrections from the monthly sufficient statistics (thin wrapper)."""

import json

import pandas as pd

from satcol import logutil, qcchain

log = logutil.setup(snakemake.log[0])  # noqa: F821
partials = [pd.read_parquet(p) for p in snakemake.input]  # noqa: F821
fits, accepted = qcchain.run_feature_bias(partials, snakemake.config)  # noqa: F821
fits.to_csv(snakemake.output.fits, index=False)  # noqa: F821
with open(snakemake.output.accepted, "w") as f:  # noqa: F821
    json.dump({"min_rms_reduction": snakemake.config["feature_bias"]["min_rms_reduction"],  # noqa: F821
               "accepted": accepted}, f, indent=1, default=float)
log.info("accepted: %s", [(a["candidate"], a["surface"], round(a["reduction"], 4)) for a in accepted])
