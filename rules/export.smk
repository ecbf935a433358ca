# Assimilation export (H19 Sect. 5; issue #5): the error correlation of neighbouring soundings
# from SRA residual pairs (per-month pair statistics written by the correct job, correct.smk),
# per-sounding CF files and super-observations per month.


rule error_correlation:
    input:
        expand("results/export/error_correlation/{ym}.parquet", ym=PLAN.months),
    output:
        model="results/export/error_correlation.json",
        bins="results/export/error_correlation_bins.csv",
        figure=report("results/figures/error_correlation.png", caption="../report/captions/error_correlation.rst",
                      category=REPORT_EXPORT, subcategory="MOPITT export"),
        figure_pdf="results/figures/error_correlation.pdf",
    params:
        error_correlation=cfg("export", "error_correlation"),
    log:
        "results/logs/error_correlation.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/error_correlation.py"


rule export_month:
    input:
        table="results/store/mopitt/{ym}/soundings.parquet",
        profiles="results/store/mopitt/{ym}/profiles.nc",
        l2=lambda wc: PLAN.mopitt_files[wc.ym],  # the store's profiles are read from them (issue 22)
        store_report="results/store/mopitt/{ym}/report.json",
        corrected="results/corrected/{ym}/soundings.parquet",
        validation="results/validation/tccon.json",
        correlation="results/export/error_correlation.json",
    output:
        soundings="results/export/{ym}/mopitt_xco_soundings_{ym}.nc",
        soundings_report="results/export/{ym}/soundings_report.json",
        superobs="results/export/{ym}/mopitt_xco_superobs_{ym}.nc",
        superobs_report="results/export/{ym}/superobs_report.json",
    params:
        origin=ORIGIN,
        export=cfg("export"),
        sra=cfg("sra"),
        run_config=run_config(),
    log:
        "results/logs/export_month/{ym}.log",
    benchmark:
        "results/benchmarks/export_month/{ym}.tsv"
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/export_month.py"
