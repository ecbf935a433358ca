# satcol: MOPITT XCO -> filtered, bias-corrected, TCCON-validated observations (Hedelius et al. 2019).
# Run:  snakemake --cores 8          (the embedded synthetic default; see README.md)
import os
import sys
from pathlib import Path

from snakemake.utils import min_version, validate

min_version("9")

sys.path.insert(0, str(Path(workflow.basedir) / "src"))
import satcol.core.config as satcol_config  # noqa: E402
from satcol import instruments as satcol_instruments  # noqa: E402
from satcol.core import ioutil  # noqa: E402
from satcol.pipeline import plan as workflow_plan  # noqa: E402

# Jobs reuse their heap for month-sized arrays (satcol.core.ioutil.MALLOC_TUNABLES; a GLIBC_TUNABLES
# of your own is left alone).
ioutil.set_job_allocator(os.environ)


# The default config is config/config.yaml beside this Snakefile (whatever the working
# directory); --configfile files and --config values override it key by key. Keys are
# normalized to strings (YAML turns `1:` into an int key; the pixel maps use string keys).
# MOPITT's keys at their old top-level places are moved to instruments.mopitt first, with one
# message per key on stderr (satcol.core.config.migrate logs it as a warning); a key at both places
# stops the run.
_given, _ = satcol_config.migrate(satcol_config.normalize(config), "--configfile/--config")
_merged = satcol_config.deep_update(
    satcol_config.normalize(satcol_config.read_yaml(Path(workflow.basedir) / "config" / "config.yaml")),
    _given,
)
config.clear()
config.update(_merged)
validate(config, "config/schema/config.schema.yaml")
# Defaults inside the referenced per-instrument schemas (config/schema/instruments/): Snakemake's
# validator checks them but does not fill them in there (jsonschema takes a referenced file's own
# $schema dialect without the default filling); satcol's does (satcol.core.config.validate).
satcol_config.validate(config)

# Plug-in modules register their instruments; the {instrument} rules run MOPITT and each other
# section of `instruments` but GOSAT's (its own chain, rules/instruments/gosat_s23.smk).
satcol_config.load_plugins(config["plugins"])
ENABLED_INSTRUMENTS = satcol_config.generic_instruments(config)

workflow_plan.check_output_dir("results")
PLAN = workflow_plan.build(config, workflow.basedir, others=ENABLED_INSTRUMENTS[1:])
ORIGIN = PLAN.period[0]  # common origin of all time bins and fits (start of the first month)
CONFIG_FILES = workflow_plan.resolve_config_files(config, workflow.basedir)


include: "rules/common.smk"
include: "rules/instruments/gosat_common.smk"
include: "rules/synthetic.smk"
include: "rules/download.smk"
include: "rules/ingest.smk"
include: "rules/instruments/mopitt_h19.smk"
include: "rules/instruments/generic.smk"
include: "rules/colocate.smk"
include: "rules/export.smk"
include: "rules/osse.smk"
include: "rules/figures.smk"
include: "rules/summary.smk"
include: "rules/paper_compare.smk"
include: "rules/instruments/gosat_s23.smk"


# The report's front page (`snakemake --report results/report.html` after a run).
report: "report/workflow.rst"


rule all:
    input:
        "results/summary.json",
        "results/tables/paper_vs_run.csv",
        "results/figures/fig1_pixel2_minus_pixel4.png",
        "results/figures/fig5_one_to_one_method_II.png",
        expand("results/mopitt/export/{ym}/mopitt_xco_superobs_{ym}.nc", ym=PLAN.months),
        report_targets(),
        gosat_targets(),
        other_targets(),
    default_target: True
