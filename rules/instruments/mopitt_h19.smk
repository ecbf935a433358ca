# MOPITT's chain (Hedelius et al. 2019, "H19", Sect. 3): its store (rules/ingest.smk, rule ingest
# with instrument=mopitt) -> snow/ice prefilter (Sect. 3.1-3.2) -> preliminary pixel bias (Sect. 3.1)
# -> small-region approximation (Sect. 3.2) -> filters (Sect. 3.3) -> feature bias (Sect. 3.4) ->
# second SRA and final pixel bias (Sect. 3.4) -> corrected per-month table, and the QC figures
# (Figs. 1-3, Table 3). Products under results/mopitt/; the config is instruments.mopitt.
#
# The correct job also writes the two per-month products that read the corrected soundings: the
# TCCON colocation candidates of the corrected values (the output the generic
# colocation_candidates rule of rules/colocate.smk writes for other instruments; ruleorder below)
# and the pair statistics of the error-correlation model (rules/export.smk). One job instead of
# three saves two process start-ups and two reads of the month (issue #7).


ruleorder: correct > colocation_candidates


rule prefilter:
    input:
        table="results/mopitt/store/{ym}/soundings.parquet",
    output:
        qc="results/mopitt/qc/{ym}/prefilter.parquet",
        partial="results/mopitt/qc/{ym}/pixel_partial_preliminary.parquet",
    params:
        origin=ORIGIN,
        prefilter=cfg("instruments", "mopitt", "prefilter"),
        pixel_bias=cfg("instruments", "mopitt", "pixel_bias", only=("preliminary_bin_days",)),
    log:
        "results/logs/prefilter/{ym}.log",
    benchmark:
        "results/benchmarks/prefilter/{ym}.tsv"
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/prefilter.py"


rule pixel_bias_preliminary:
    input:
        expand("results/mopitt/qc/{ym}/pixel_partial_preliminary.parquet", ym=PLAN.months),
    output:
        "results/mopitt/pixel_bias/preliminary.json",
    params:
        origin=ORIGIN,
        pixel_bias=cfg("instruments", "mopitt", "pixel_bias", only=("preliminary_bin_days", "year_offsets")),
    log:
        "results/logs/pixel_bias_preliminary.log",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/pixel_bias_preliminary.py"


rule pixel_bias_final:
    input:
        expand("results/mopitt/sra2/{ym}/pixel_partial.parquet", ym=PLAN.months),
    output:
        fits="results/mopitt/pixel_bias/final_fits.csv",
        bins="results/mopitt/pixel_bias/final_bins.csv",
    params:
        origin=ORIGIN,
        pixel_bias=cfg("instruments", "mopitt", "pixel_bias"),
        instrument_events=cfg("instruments", "mopitt", "instrument_events"),
    log:
        "results/logs/pixel_bias_final.log",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/pixel_bias_final.py"


rule sra:
    input:
        table="results/mopitt/store/{ym}/soundings.parquet",
        qc="results/mopitt/qc/{ym}/prefilter.parquet",
        prelim="results/mopitt/pixel_bias/preliminary.json",
        candidates=CONFIG_FILES["candidates"],
    output:
        sra="results/mopitt/sra/{ym}/sra.parquet",
        diagnostics="results/mopitt/sra/{ym}/diagnostics_partial.parquet",
        stats="results/mopitt/sra/{ym}/stats.json",
    params:
        origin=ORIGIN,
        sra=cfg("instruments", "mopitt", "sra"),
    log:
        "results/logs/sra/{ym}.log",
    benchmark:
        "results/benchmarks/sra/{ym}.tsv"
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/sra.py"


rule sra2:
    input:
        table="results/mopitt/store/{ym}/soundings.parquet",
        qc="results/mopitt/qc/{ym}/filtered.parquet",
        accepted="results/mopitt/feature_bias/accepted.json",
    output:
        partial="results/mopitt/sra2/{ym}/pixel_partial.parquet",
        stats="results/mopitt/sra2/{ym}/stats.json",
    params:
        origin=ORIGIN,
        sra=cfg("instruments", "mopitt", "sra"),
        pixel_bias=cfg("instruments", "mopitt", "pixel_bias"),
    log:
        "results/logs/sra2/{ym}.log",
    benchmark:
        "results/benchmarks/sra2/{ym}.tsv"
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/sra2.py"


rule filters:
    input:
        diagnostics=expand("results/mopitt/sra/{ym}/diagnostics_partial.parquet", ym=PLAN.months),
        table=CONFIG_FILES["table"],
        l3_table=CONFIG_FILES["l3_table"],
        candidates=CONFIG_FILES["candidates"],
    output:
        diagnostics="results/mopitt/filters/diagnostics.csv",
        derived="results/mopitt/filters/derived.yaml",
        applied="results/mopitt/filters/applied.yaml",
    params:
        filters=cfg("instruments", "mopitt", "filters"),
    log:
        "results/logs/filters.log",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/filters.py"


rule apply_filters:
    input:
        table="results/mopitt/store/{ym}/soundings.parquet",
        qc="results/mopitt/qc/{ym}/prefilter.parquet",
        sra="results/mopitt/sra/{ym}/sra.parquet",
        applied="results/mopitt/filters/applied.yaml",
        candidates=CONFIG_FILES["candidates"],
    output:
        qc="results/mopitt/qc/{ym}/filtered.parquet",
        feature="results/mopitt/qc/{ym}/feature_partial.parquet",
        after="results/mopitt/qc/{ym}/diagnostics_after_partial.parquet",
        stats="results/mopitt/qc/{ym}/filter_stats.json",
    params:
        # The SRA rebuilt on the kept soundings for the feature-bias anomalies (H19 Sect. 3.4;
        # feature_bias.anomalies: filtered_sra) uses the sra section; of feature_bias, only the
        # choice of anomalies is read here.
        sra=cfg("instruments", "mopitt", "sra"),
        feature_bias=cfg("instruments", "mopitt", "feature_bias", only=("anomalies",)),
    log:
        "results/logs/apply_filters/{ym}.log",
    benchmark:
        "results/benchmarks/apply_filters/{ym}.tsv"
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/apply_filters.py"


rule feature_bias:
    input:
        expand("results/mopitt/qc/{ym}/feature_partial.parquet", ym=PLAN.months),
    output:
        fits="results/mopitt/feature_bias/fits.csv",
        accepted="results/mopitt/feature_bias/accepted.json",
    params:
        feature_bias=cfg("instruments", "mopitt", "feature_bias"),
    log:
        "results/logs/feature_bias.log",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/feature_bias.py"


rule correct:
    input:
        table="results/mopitt/store/{ym}/soundings.parquet",
        profiles="results/mopitt/store/{ym}/profiles.nc",
        l2=lambda wc: PLAN.mopitt_files[wc.ym],  # the store's profiles are read from them (issue 22)
        store_report="results/mopitt/store/{ym}/report.json",
        qc="results/mopitt/qc/{ym}/filtered.parquet",
        accepted="results/mopitt/feature_bias/accepted.json",
        fits="results/mopitt/pixel_bias/final_fits.csv",
        sites_table=PLAN.sites_table,
    output:
        corrected="results/mopitt/corrected/{ym}/soundings.parquet",
        report="results/mopitt/corrected/{ym}/report.json",
        candidates="results/mopitt/colocation/candidates/corrected/{ym}.nc",
        candidates_report="results/mopitt/colocation/candidates/corrected/{ym}.json",
        pairs="results/mopitt/export/error_correlation/{ym}.parquet",
    params:
        origin=ORIGIN,
        sites=PLAN.sites,
        instrument_events=cfg("instruments", "mopitt", "instrument_events"),
        sra=cfg("instruments", "mopitt", "sra"),
        error_correlation=cfg("instruments", "mopitt", "export", "error_correlation", only=("bin_km", "max_km")),
    log:
        "results/logs/correct/{ym}.log",
    benchmark:
        "results/benchmarks/correct/{ym}.tsv"
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/correct.py"


rule figures_qc:
    input:
        diagnostics="results/mopitt/filters/diagnostics.csv",
        after=expand("results/mopitt/qc/{ym}/diagnostics_after_partial.parquet", ym=PLAN.months),
        applied="results/mopitt/filters/applied.yaml",
        prelim="results/mopitt/pixel_bias/preliminary.json",
        final_bins="results/mopitt/pixel_bias/final_bins.csv",
        fig1_table=f"results/mopitt/store/{PLAN.fig1_month}/soundings.parquet",
        fig1_qc=f"results/mopitt/qc/{PLAN.fig1_month}/prefilter.parquet",
        corrected=expand("results/mopitt/corrected/{ym}/report.json", ym=PLAN.months),
        candidates=CONFIG_FILES["candidates"],
    output:
        fig1=report("results/figures/fig1_pixel2_minus_pixel4.png", caption="../../report/captions/fig1.rst",
                    category=REPORT_QC, subcategory="MOPITT"),
        fig1_pdf="results/figures/fig1_pixel2_minus_pixel4.pdf",
        fig2=report("results/figures/fig2_pixel_bias_timeseries.png", caption="../../report/captions/fig2.rst",
                    category=REPORT_QC, subcategory="MOPITT"),
        fig2_pdf="results/figures/fig2_pixel_bias_timeseries.pdf",
        fig2_final=report("results/figures/fig2_final_pixel_bias_timeseries.png",
                          caption="../../report/captions/fig2_final.rst", category=REPORT_QC, subcategory="MOPITT"),
        fig2_final_pdf="results/figures/fig2_final_pixel_bias_timeseries.pdf",
        # one PNG and one PDF per candidate of the candidates file; the report lists the PNGs
        fig3=report(directory("results/figures/fig3"), patterns=["fig3_{candidate}.png"],
                    caption="../../report/captions/fig3.rst", category=REPORT_QC,
                    subcategory="MOPITT: Fig. 3 filter diagnostics"),
        table="results/tables/filters_applied.csv",
    params:
        month=PLAN.fig1_month,
        pixel_bias=cfg("instruments", "mopitt", "pixel_bias"),
        instrument_events=cfg("instruments", "mopitt", "instrument_events"),
    log:
        "results/logs/figures_qc.log",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/figures_qc.py"
