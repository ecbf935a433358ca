# Run summary: counts per month and surface, skips by reason, provenance.


rule summary:
    input:
        mopitt=month_reports(),
        tccon=site_reports(),
        sra=expand("results/sra/{ym}/stats.json", ym=PLAN.months),
        filtered=expand("results/qc/{ym}/filter_stats.json", ym=PLAN.months),
        sra2=expand("results/sra2/{ym}/stats.json", ym=PLAN.months),
        corrected=expand("results/corrected/{ym}/report.json", ym=PLAN.months),
        applied="results/filters/applied.yaml",
        features="results/feature_bias/fits.csv",
        pixel_fits="results/pixel_bias/final_fits.csv",
        validation="results/validation/tccon.json",
        export_soundings=expand("results/export/{ym}/soundings_report.json", ym=PLAN.months),
        export_superobs=expand("results/export/{ym}/superobs_report.json", ym=PLAN.months),
        correlation="results/export/error_correlation.json",
        recovery=["results/osse/recovery.csv"] if PLAN.synthetic else [],
    output:
        "results/summary.json",
    params:
        plan_skipped=PLAN.skipped,
        synthetic=PLAN.synthetic,
        run_config=run_config(),
    log:
        "results/logs/summary.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/summary.py"
