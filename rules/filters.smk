# Filter derivation (global reduction of binned SRA statistics) and application (per month).


rule filters:
    input:
        expand("results/sra/{ym}/diagnostics_partial.parquet", ym=PLAN.months),
    output:
        diagnostics="results/filters/diagnostics.csv",
        derived="results/filters/derived.yaml",
        applied="results/filters/applied.yaml",
    params:
        files=CONFIG_FILES,
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
    output:
        qc="results/qc/{ym}/filtered.parquet",
        feature="results/qc/{ym}/feature_partial.parquet",
        after="results/qc/{ym}/diagnostics_after_partial.parquet",
        stats="results/qc/{ym}/filter_stats.json",
    params:
        candidates=CONFIG_FILES["candidates"],
    log:
        "results/logs/apply_filters/{ym}.log",
    benchmark:
        "results/benchmarks/apply_filters/{ym}.tsv"
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/apply_filters.py"
