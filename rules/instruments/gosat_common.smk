# GOSAT chain helpers (rules/instruments/gosat_s23.smk): the plan of the GOSAT record and the
# paths the rules and targets use. Functions only (snakemake --lint: no functions beside rules).
from satcol.pipeline import gosat as gosat_workflow

GOSAT = gosat_workflow.plan(config)
GOSAT_SPECIES = list(gosat_workflow.SPECIES)
# The GOSAT report category, numbered after the common ones (rules/common.smk REPORT_*).
REPORT_GOSAT = "6 GOSAT validation (S23 Sect. 4)"
#: GOSAT figures of a species, written by the gosat_figures job (file stems).
GOSAT_FIGURES = ("differences_by_category", "site_bias_map", "site_bias_bars", "monthly_differences",
                 "partial_effects")
if not GOSAT.months:
    print(f"satcol: GOSAT chain not run: {GOSAT.reason}", file=sys.stderr)


def gosat_cfg(*path, **kw):
    return cfg("instruments", "gosat", *path, **kw)


def gosat_config_file(key):
    return str(satcol_config_path(config["instruments"]["gosat"][key]))


def satcol_config_path(p):
    from satcol.pipeline.ingest import resolve_path

    return resolve_path(p, workflow.basedir)


def gosat_synthetic(uses=()):
    """synthetic.gosat for a synthesis job's params: without the record period (the job's days
    come through params of their own) nor the blocks of the other synthetic products
    (compare_version, insitu, ggg2014_minus_ggg2020), except those in ``uses``: a change of one
    reruns only the jobs that read it."""
    others = tuple(k for k in ("compare_version", "insitu", "ggg2014_minus_ggg2020") if k not in uses)
    return cfg("synthetic", "gosat", drop=("start", "end", "days_per_month") + others)


def gosat_tccon_variants():
    """(validation, training) TCCON versions: instruments.gosat.validation.tccon_variant, and
    mlr_tccon_variant for the MLR fit (default: the validation's)."""
    v = config["instruments"]["gosat"]["validation"]
    return v["tccon_variant"], v.get("mlr_tccon_variant") or v["tccon_variant"]


def gosat_tccon_dir(variant):
    """The synthetic TCCON files of a version (GGG2014 files only when some purpose asks for them)."""
    return "results/synthetic/gosat_tccon" if variant == "GGG2020" else "results/synthetic/gosat_tccon_ggg2014"


def gosat_training_matchups(species):
    """The ±2° match-ups the MLR is fitted on: the validation's when both use one TCCON version."""
    val, train = gosat_tccon_variants()
    suffix = "" if train == val else "_training"
    return f"results/gosat/matchups/{species}_wide{suffix}.parquet"


def gosat_store(species, what):
    """A species' store files, one a year of the record."""
    return expand(f"results/gosat/store/{species}/{{year}}/{what}", year=GOSAT.years)


def gosat_targets():
    if not GOSAT.months:
        return []
    return (expand("results/gosat/validation/{species}_{table}.csv", species=GOSAT_SPECIES,
                   table=("table6", "table7", "sites", "summary", "loso", "loso_sites"))
            + expand("results/gosat/corrected/{species}.parquet", species=GOSAT_SPECIES)
            + [f for s in GOSAT_SPECIES for f in gosat_exports(s)]
            + ["results/osse/recovery_gosat.csv"]
            + expand("results/report/tables/gosat_{species}_loso.html", species=GOSAT_SPECIES)
            + ["results/report/tables/gosat_recovery.html"]
            + expand("results/gosat/figures/{species}_{name}.{ext}", species=GOSAT_SPECIES, name=GOSAT_FIGURES,
                     ext=("png", "pdf"))
            + ["results/gosat/growth_rate/xco2_surfaces.csv"]
            + (["results/gosat/versions/xco2_stats.csv"] if config["synthetic"]["gosat"].get("compare_version")
               else []))


def gosat_exports(species, kinds=("soundings", "superobs")):
    """A species' monthly export files (``species`` may be the rule's ``{species}`` wildcard)."""
    return [f"results/gosat/export/{ym}/gosat_fts_swir_{species}_{kind}_{ym}.nc" for ym in GOSAT.months
            for kind in kinds]


def gosat_paper_inputs():
    """The GOSAT tables the paper-vs-run table reads (S23 rows), none without GOSAT."""
    if not GOSAT.months:
        return []
    return (expand("results/gosat/validation/{species}_{table}.csv", species=GOSAT_SPECIES,
                   table=("table6", "table7", "summary"))
            + ["results/gosat/corrected/xco2.parquet"])
