# Assimilation export (H19 Sect. 5; issue #5). MOPITT: the error correlation of neighbouring
# soundings from SRA residual pairs (per-month pair statistics written by its correct job,
# rules/instruments/mopitt_h19.smk), per-sounding CF files and super-observations per month. A
# plug-in instrument without an exporter of its own: export_generic, a CF per-sounding file per
# month named by its species (satcol.export.generic_sounding_dataset).


rule error_correlation:
    input:
        expand("results/mopitt/export/error_correlation/{ym}.parquet", ym=PLAN.months),
    output:
        model="results/mopitt/export/error_correlation.json",
        bins="results/mopitt/export/error_correlation_bins.csv",
        figure=report("results/figures/error_correlation.png", caption="../report/captions/error_correlation.rst",
                      category=REPORT_EXPORT, subcategory="MOPITT export"),
        figure_pdf="results/figures/error_correlation.pdf",
    params:
        error_correlation=cfg("instruments", "mopitt", "export", "error_correlation"),
    log:
        "results/logs/error_correlation.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/error_correlation.py"


rule export_month:
    input:
        table="results/mopitt/store/{ym}/soundings.parquet",
        profiles="results/mopitt/store/{ym}/profiles.nc",
        l2=lambda wc: PLAN.mopitt_files[wc.ym],  # the store's profiles are read from them (issue 22)
        store_report="results/mopitt/store/{ym}/report.json",
        corrected="results/mopitt/corrected/{ym}/soundings.parquet",
        validation="results/mopitt/validation/tccon.json",
        correlation="results/mopitt/export/error_correlation.json",
    output:
        soundings="results/mopitt/export/{ym}/mopitt_xco_soundings_{ym}.nc",
        soundings_report="results/mopitt/export/{ym}/soundings_report.json",
        superobs="results/mopitt/export/{ym}/mopitt_xco_superobs_{ym}.nc",
        superobs_report="results/mopitt/export/{ym}/superobs_report.json",
    params:
        origin=ORIGIN,
        export=cfg("instruments", "mopitt", "export"),
        sra=cfg("instruments", "mopitt", "sra"),
        run_config=run_config("mopitt"),
    log:
        "results/logs/export_month/{ym}.log",
    benchmark:
        "results/benchmarks/export_month/{ym}.tsv"
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/export_month.py"


rule export_generic:
    input:
        table="results/{instrument}/store/{ym}/soundings.parquet",
        profiles="results/{instrument}/store/{ym}/profiles.nc",
        store_report="results/{instrument}/store/{ym}/report.json",
        corrected="results/{instrument}/corrected/{ym}/soundings.parquet",
    output:
        soundings="results/{instrument}/export/{ym}/{instrument}_{species}_soundings_{ym}.nc",
        report="results/{instrument}/export/{ym}/{species}_soundings_report.json",
    wildcard_constraints:
        instrument=OTHER_INSTRUMENTS_RE,
        species=r"[a-z][a-z0-9]*",
    params:
        export=lambda wc: cfg("instruments", wc.instrument, "export"),
        plugins=plugin_modules,
        run_config=lambda wc: run_config(wc.instrument),
    log:
        "results/logs/export_generic/{instrument}/{species}_{ym}.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/export_generic.py"
