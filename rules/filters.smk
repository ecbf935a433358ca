# Filter derivation (global reduction of binned SRA statistics) and application (per month).


rule filters:
    input:
        diagnostics=expand("results/sra/{ym}/diagnostics_partial.parquet", ym=PLAN.months),
        table=CONFIG_FILES["table"],
        l3_table=CONFIG_FILES["l3_table"],
        candidates=CONFIG_FILES["candidates"],
    output:
        diagnostics="results/filters/diagnostics.csv",
        derived="results/filters/derived.yaml",
        applied="results/filters/applied.yaml",
    params:
        filters=cfg("filters"),
    log:
        "results/logs/filters.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/filters.py"


rule apply_filters:
    input:
        table="results/store/mopitt/{ym}/soundings.parquet",
        qc="results/qc/{ym}/prefilter.parquet",
        sra="results/sra/{ym}/sra.parquet",
        applied="results/filters/applied.yaml",
        candidates=CONFIG_FILES["candidates"],
    output:
        qc="results/qc/{ym}/filtered.parquet",
        feature="results/qc/{ym}/feature_partial.parquet",
        after="results/qc/{ym}/diagnostics_after_partial.parquet",
        stats="results/qc/{ym}/filter_stats.json",
    params:
        # The SRA rebuilt on the kept soundings for the feature-bias anomalies (H19 Sect. 3.4;
        # feature_bias.anomalies: filtered_sra) uses the sra section; of feature_bias, only the
        # choice of anomalies is read here.
        sra=cfg("sra"),
        feature_bias=cfg("feature_bias", only=("anomalies",)),
    log:
        "results/logs/apply_filters/{ym}.log",
    benchmark:
        "results/benchmarks/apply_filters/{ym}.tsv"
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/apply_filters.py"
