# Small-region approximation (H19 Sect. 3.2): first pass on prefiltered, preliminarily
# pixel-corrected data; second pass on filtered, feature-corrected data without pixel correction.


rule sra:
    input:
        table="results/store/mopitt/{ym}/soundings.parquet",
        qc="results/qc/{ym}/prefilter.parquet",
        prelim="results/pixel_bias/preliminary.json",
        candidates=CONFIG_FILES["candidates"],
    output:
        sra="results/sra/{ym}/sra.parquet",
        diagnostics="results/sra/{ym}/diagnostics_partial.parquet",
        stats="results/sra/{ym}/stats.json",
    params:
        origin=ORIGIN,
        sra=cfg("sra"),
    log:
        "results/logs/sra/{ym}.log",
    benchmark:
        "results/benchmarks/sra/{ym}.tsv"
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/sra.py"


rule sra2:
    input:
        table="results/store/mopitt/{ym}/soundings.parquet",
        qc="results/qc/{ym}/filtered.parquet",
        accepted="results/feature_bias/accepted.json",
    output:
        partial="results/sra2/{ym}/pixel_partial.parquet",
        stats="results/sra2/{ym}/stats.json",
    params:
        origin=ORIGIN,
        sra=cfg("sra"),
        pixel_bias=cfg("pixel_bias"),
    log:
        "results/logs/sra2/{ym}.log",
    benchmark:
        "results/benchmarks/sra2/{ym}.tsv"
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/sra2.py"
