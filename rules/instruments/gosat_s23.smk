# GOSAT TANSO-FTS SWIR XCO2/XCH4 after Someya et al. 2023 (S23): synthetic record -> store ->
# screening (S23 Table 3) -> TCCON match-ups -> MLR fit (S23 Sect. 4.5) -> corrected record ->
# validation tables (S23 Tables 6, 7, site biases, summary, leave one site out) -> OSSE rows.
# Library: satcol.pipeline.gosat; config: instruments.gosat and synthetic.gosat.
# Helpers: rules/instruments/gosat_common.smk.
# Priorities (issue 22, the full record on 2 cores): the longest job (the version comparison) first,
# then the chain every species' products wait for (screening, match-ups, fit, correction), then
# the OSSE, then the leaves (validation, figures, exports), so that no core idles at the end.


wildcard_constraints:
    species="xco2|xch4",
    year=r"\d{4}",


rule gosat_synthesize_month:
    input:
        sites_table=PLAN.sites_table,
    output:
        directory("results/synthetic/gosat/{ym}"),
    params:
        # A month depends on its days and on how a day is simulated, not on the record's period.
        days=lambda w: GOSAT.days[w.ym],
        synthetic_gosat=gosat_synthetic(),
    log:
        "results/logs/gosat/synthesize/{ym}.log",
    benchmark:
        "results/benchmarks/gosat/synthesize/{ym}.tsv",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/gosat_synthesize.py"


rule gosat_synthesize_tccon:
    input:
        sites_table=PLAN.sites_table,
    output:
        directory("results/synthetic/gosat_tccon"),
    params:
        days=GOSAT.all_days,
        synthetic_gosat=gosat_synthetic(),
    log:
        "results/logs/gosat/synthesize_tccon.log",
    benchmark:
        "results/benchmarks/gosat/synthesize_tccon.tsv",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/gosat_synthesize_tccon.py"


rule gosat_synthesize_tccon_ggg2014:
    """GGG2014 files with XCO2/XCH4 at the GGG2020 files' times and noise, plus the injected
    version difference synthetic.gosat.ggg2014_minus_ggg2020 (when a purpose asks for GGG2014)."""
    input:
        sites_table=PLAN.sites_table,
    output:
        directory("results/synthetic/gosat_tccon_ggg2014"),
    params:
        days=GOSAT.all_days,
        synthetic_gosat=gosat_synthetic(uses=("ggg2014_minus_ggg2020",)),
        variant="GGG2014",
    log:
        "results/logs/gosat/synthesize_tccon_ggg2014.log",
    benchmark:
        "results/benchmarks/gosat/synthesize_tccon_ggg2014.tsv",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/gosat_synthesize_tccon.py"


rule gosat_ingest:
    """A year of both products into the store (one job a year: a job a month would spend more
    on start-ups than on reading; issue 22)."""
    input:
        lambda w: expand("results/synthetic/gosat/{ym}", ym=GOSAT.months_of(w.year)),
    output:
        **{f"{s}_{w}": f"results/gosat/store/{s}/{{year}}/{f}" for s in GOSAT_SPECIES
           for w, f in (("table", "soundings.parquet"), ("profiles", "profiles.npz"), ("report", "report.json"))},
    params:
        species=GOSAT_SPECIES,
        on_bad_input=cfg("on_bad_input"),
    log:
        "results/logs/gosat/ingest/{year}.log",
    benchmark:
        "results/benchmarks/gosat/ingest/{year}.tsv",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/gosat_ingest.py"


rule gosat_screening:
    input:
        tables=lambda w: gosat_store(w.species, "soundings.parquet"),
        reports=lambda w: gosat_store(w.species, "report.json"),
        screening=gosat_config_file("screening"),
    output:
        qc="results/gosat/screening/{species}.parquet",
        report="results/gosat/screening/{species}.json",
    priority: 10
    log:
        "results/logs/gosat/screening/{species}.log",
    benchmark:
        "results/benchmarks/gosat/screening/{species}.tsv",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/gosat_screening.py"


rule gosat_matchups:
    input:
        tables=lambda w: gosat_store(w.species, "soundings.parquet"),
        reports=lambda w: gosat_store(w.species, "report.json"),
        qc="results/gosat/screening/{species}.parquet",
        tccon=gosat_tccon_dir(gosat_tccon_variants()[0]),
        sites_table=PLAN.sites_table,
    output:
        wide="results/gosat/matchups/{species}_wide.parquet",
        strict="results/gosat/matchups/{species}_strict.parquet",
    params:
        validation=gosat_cfg("validation", drop=("min_matchups", "mlr_min_matchups", "mlr_tccon_variant")),
    priority: 10
    log:
        "results/logs/gosat/matchups/{species}.log",
    benchmark:
        "results/benchmarks/gosat/matchups/{species}.tsv",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/gosat_matchups.py"


rule gosat_matchups_training:
    """±2° match-ups against the TCCON version the MLR is trained on
    (instruments.gosat.validation.mlr_tccon_variant), when it is not the validation's (S23:
    GGG2014 to train, GGG2020 to validate)."""
    input:
        tables=lambda w: gosat_store(w.species, "soundings.parquet"),
        reports=lambda w: gosat_store(w.species, "report.json"),
        qc="results/gosat/screening/{species}.parquet",
        tccon=gosat_tccon_dir(gosat_tccon_variants()[1]),
        sites_table=PLAN.sites_table,
    output:
        wide="results/gosat/matchups/{species}_wide_training.parquet",
    params:
        validation={**gosat_cfg("validation", drop=("min_matchups", "mlr_min_matchups", "mlr_tccon_variant")),
                    "tccon_variant": gosat_tccon_variants()[1]},
    priority: 10
    log:
        "results/logs/gosat/matchups_training/{species}.log",
    benchmark:
        "results/benchmarks/gosat/matchups_training/{species}.tsv",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/gosat_matchups.py"


rule gosat_mlr_fit:
    input:
        wide=lambda w: gosat_training_matchups(w.species),
        terms=gosat_config_file("mlr_terms"),
    output:
        coefficients="results/gosat/mlr/{species}_coefficients.csv",
        report="results/gosat/mlr/{species}_fit.json",
    params:
        mlr=gosat_cfg("validation", only=("mlr_min_matchups",)),
    priority: 10
    log:
        "results/logs/gosat/mlr_fit/{species}.log",
    benchmark:
        "results/benchmarks/gosat/mlr_fit/{species}.tsv",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/gosat_mlr_fit.py"


rule gosat_correct:
    input:
        tables=lambda w: gosat_store(w.species, "soundings.parquet"),
        reports=lambda w: gosat_store(w.species, "report.json"),
        qc="results/gosat/screening/{species}.parquet",
        coefficients="results/gosat/mlr/{species}_coefficients.csv",
        fit="results/gosat/mlr/{species}_fit.json",
        terms=gosat_config_file("mlr_terms"),
    output:
        "results/gosat/corrected/{species}.parquet",
    priority: 10
    log:
        "results/logs/gosat/correct/{species}.log",
    benchmark:
        "results/benchmarks/gosat/correct/{species}.tsv",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/gosat_correct.py"


rule gosat_validation:
    input:
        wide="results/gosat/matchups/{species}_wide.parquet",
        strict="results/gosat/matchups/{species}_strict.parquet",
        train=lambda w: gosat_training_matchups(w.species),
        coefficients="results/gosat/mlr/{species}_coefficients.csv",
        fit="results/gosat/mlr/{species}_fit.json",
        terms=gosat_config_file("mlr_terms"),
    output:
        table6=report("results/gosat/validation/{species}_table6.csv", caption="../../report/captions/gosat_table6.rst",
                      category=REPORT_GOSAT, labels={"species": "{species}", "table": "S23 Table 6"}),
        table7=report("results/gosat/validation/{species}_table7.csv", caption="../../report/captions/gosat_table7.rst",
                      category=REPORT_GOSAT, labels={"species": "{species}", "table": "S23 Table 7"}),
        sites="results/gosat/validation/{species}_sites.csv",
        summary=report("results/gosat/validation/{species}_summary.csv", caption="../../report/captions/gosat_summary.rst",
                       category=REPORT_GOSAT, labels={"species": "{species}", "table": "summary"}),
        loso="results/gosat/validation/{species}_loso.csv",
        loso_sites="results/gosat/validation/{species}_loso_sites.csv",
        provenance="results/gosat/validation/{species}_provenance.json",
        matchups="results/gosat/validation/{species}_matchups.parquet",
    params:
        min_matchups=gosat_cfg("validation", only=("min_matchups", "mlr_min_matchups")),
    log:
        "results/logs/gosat/validation/{species}.log",
    benchmark:
        "results/benchmarks/gosat/validation/{species}.tsv",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/gosat_validation.py"


rule gosat_figures:
    """S23-style figures of a species: differences by surface and gain, site biases (map, bars),
    monthly mean differences, the regression's partial effects; before and after the correction."""
    input:
        matchups="results/gosat/validation/{species}_matchups.parquet",
        sites="results/gosat/validation/{species}_sites.csv",
        coefficients="results/gosat/mlr/{species}_coefficients.csv",
        sites_table=PLAN.sites_table,
    output:
        **{name: report(f"results/gosat/figures/{{species}}_{name}.png",
                        caption=f"../../report/captions/gosat_{name}.rst", category=REPORT_GOSAT,
                        subcategory="figures", labels={"species": "{species}", "figure": name.replace("_", " ")})
           for name in GOSAT_FIGURES},
        **{f"{name}_pdf": f"results/gosat/figures/{{species}}_{name}.pdf" for name in GOSAT_FIGURES},
    log:
        "results/logs/gosat/figures/{species}.log",
    benchmark:
        "results/benchmarks/gosat/figures/{species}.tsv",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/gosat_figures.py"


rule gosat_synthesize_version_month:
    """The month's CO2 soundings as a second product version (synthetic.gosat.compare_version)."""
    input:
        sites_table=PLAN.sites_table,
    output:
        directory("results/synthetic/gosat_version/{ym}"),
    params:
        days=lambda w: GOSAT.days[w.ym],
        synthetic_gosat=gosat_synthetic(uses=("compare_version",)),
    log:
        "results/logs/gosat/synthesize_version/{ym}.log",
    benchmark:
        "results/benchmarks/gosat/synthesize_version/{ym}.tsv",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/gosat_synthesize_version.py"


rule gosat_version_comparison:
    """S23 Sect. 4.2: new - old XCO2 of the soundings both versions keep, paired by scan ID."""
    input:
        old=expand("results/synthetic/gosat_version/{ym}", ym=GOSAT.months),
        tables=gosat_store("xco2", "soundings.parquet"),
        reports=gosat_store("xco2", "report.json"),
        qc="results/gosat/screening/xco2.parquet",
        screening=gosat_config_file("screening"),
    output:
        stats=report("results/gosat/versions/xco2_stats.csv", caption="../../report/captions/gosat_versions.rst",
                     category=REPORT_GOSAT, labels={"species": "xco2", "table": "version comparison"}),
        provenance="results/gosat/versions/xco2_provenance.json",
    params:
        version=cfg("synthetic", "gosat", only=("compare_version",)),
    priority: 20
    log:
        "results/logs/gosat/version_comparison.log",
    benchmark:
        "results/benchmarks/gosat/version_comparison.tsv",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/gosat_version_comparison.py"


rule gosat_insitu:
    """Synthetic monthly in situ CO2 at the growth-rate stations over the GOSAT record."""
    input:
        stations=satcol_config_path(config["instruments"]["gosat"]["growth_rate"]["stations"]),
    output:
        "results/synthetic/gosat_insitu.tsv",
    params:
        months=GOSAT.months,
        insitu=cfg("synthetic", "gosat", only=("insitu",)),
    log:
        "results/logs/gosat/insitu.log",
    benchmark:
        "results/benchmarks/gosat/insitu.tsv",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/gosat_insitu.py"


rule gosat_growth_rate:
    """S23 Sect. 4.4: trends of corrected GOSAT XCO2 and in situ CO2 around the stations."""
    input:
        corrected="results/gosat/corrected/xco2.parquet",
        insitu="results/synthetic/gosat_insitu.tsv",
        stations=satcol_config_path(config["instruments"]["gosat"]["growth_rate"]["stations"]),
    output:
        surfaces=report("results/gosat/growth_rate/xco2_surfaces.csv", caption="../../report/captions/gosat_growth_rate.rst",
                        category=REPORT_GOSAT, labels={"species": "xco2", "table": "growth rate"}),
        stations="results/gosat/growth_rate/xco2_stations.csv",
        provenance="results/gosat/growth_rate/xco2_provenance.json",
    params:
        growth_rate=gosat_cfg("growth_rate", drop=("stations",)),
    log:
        "results/logs/gosat/growth_rate.log",
    benchmark:
        "results/benchmarks/gosat/growth_rate.tsv",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/gosat_growth_rate.py"


rule gosat_osse:
    input:
        wide=expand("results/gosat/matchups/{species}_wide.parquet", species=GOSAT_SPECIES),
        corrected=expand("results/gosat/corrected/{species}.parquet", species=GOSAT_SPECIES),
        coefficients=expand("results/gosat/mlr/{species}_coefficients.csv", species=GOSAT_SPECIES),
        synthetic=expand("results/synthetic/gosat/{ym}", ym=GOSAT.months),
        terms=gosat_config_file("mlr_terms"),
    output:
        table="results/osse/recovery_gosat.csv",
        provenance="results/osse/recovery_gosat.provenance.json",
    params:
        species=GOSAT_SPECIES,
        truth=cfg("synthetic", "gosat", only=("truth",)),
        osse=gosat_cfg("osse"),
    priority: 5
    log:
        "results/logs/gosat/osse.log",
    benchmark:
        "results/benchmarks/gosat/osse.tsv",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/gosat_osse.py"


rule gosat_export:
    """The CF-1.8 files of a species, every month: the per-sounding file and the
    super-observations of the kept soundings per grid box, time step and surface. One job a
    species writes both (a job a month would cost more in start-up than the writing, and two jobs
    would each read the whole store)."""
    input:
        tables=lambda w: gosat_store(w.species, "soundings.parquet"),
        profiles=lambda w: gosat_store(w.species, "profiles.npz"),
        corrected="results/gosat/corrected/{species}.parquet",
        screening=gosat_config_file("screening"),
    output:
        soundings=gosat_exports("{species}", ("soundings",)),
        superobs=gosat_exports("{species}", ("superobs",)),
    params:
        years=GOSAT.years,
        months=GOSAT.months,
        superobs=gosat_cfg("export", "superobs"),
    log:
        "results/logs/gosat/export/{species}.log",
    benchmark:
        "results/benchmarks/gosat/export/{species}.tsv",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/gosat_export.py"


rule gosat_all:
    """Every GOSAT product of the run (snakemake gosat_all): the GOSAT chain alone."""
    input:
        gosat_targets(),


rule report_gosat_loso_table:
    """The in-sample and leave-one-site-out biases of a species as a report table page."""
    input:
        "results/gosat/validation/{species}_loso.csv",
    output:
        report("results/report/tables/gosat_{species}_loso.html", caption="../../report/captions/gosat_loso.rst",
               category=REPORT_GOSAT, labels={"species": "{species}", "table": "leave one site out"}),
    log:
        "results/logs/gosat/report_loso_{species}.log",
    benchmark:
        "results/benchmarks/gosat/report_loso_{species}.tsv",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/figures_report.py"


rule report_gosat_recovery_table:
    """The GOSAT OSSE recovery rows as a report table page."""
    input:
        "results/osse/recovery_gosat.csv",
    output:
        report("results/report/tables/gosat_recovery.html", caption="../../report/captions/gosat_recovery.rst",
               category=REPORT_GOSAT, labels={"species": "xco2, xch4", "table": "OSSE recovery"}),
    log:
        "results/logs/gosat/report_recovery.log",
    benchmark:
        "results/benchmarks/gosat/report_recovery.tsv",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/figures_report.py"
