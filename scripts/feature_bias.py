"""Fit feature-bias corrections from the monthly sufficient statistics (thin wrapper)."""


import pandas as pd

from satcol.core import ioutil, logutil
from satcol.instruments.mopitt import qcchain

log = logutil.setup(snakemake.log[0])  # noqa: F821
partials = [pd.read_parquet(p) for p in snakemake.input]  # noqa: F821
cfg = {"feature_bias": snakemake.params.feature_bias}  # noqa: F821
fits, accepted = qcchain.run_feature_bias(partials, cfg)
ioutil.write_csv(fits, snakemake.output.fits)  # noqa: F821
ioutil.write_json({"min_rms_reduction": cfg["feature_bias"]["min_rms_reduction"],
                   "accepted": accepted}, snakemake.output.accepted)  # noqa: F821
log.info("accepted: %s", [(a["candidate"], a["surface"], round(a["reduction"], 4)) for a in accepted])
