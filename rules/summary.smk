# Run summary: counts per month and surface, skips by reason, provenance.


rule summary:
    input:
        mopitt=month_reports(),
        tccon=site_reports(),
        sra=expand("results/mopitt/sra/{ym}/stats.json", ym=PLAN.months),
        filtered=expand("results/mopitt/qc/{ym}/filter_stats.json", ym=PLAN.months),
        sra2=expand("results/mopitt/sra2/{ym}/stats.json", ym=PLAN.months),
        corrected=expand("results/mopitt/corrected/{ym}/report.json", ym=PLAN.months),
        applied="results/mopitt/filters/applied.yaml",
        features="results/mopitt/feature_bias/fits.csv",
        pixel_fits="results/mopitt/pixel_bias/final_fits.csv",
        validation="results/mopitt/validation/tccon.json",
        export_soundings=expand("results/mopitt/export/{ym}/soundings_report.json", ym=PLAN.months),
        export_superobs=expand("results/mopitt/export/{ym}/superobs_report.json", ym=PLAN.months),
        correlation="results/mopitt/export/error_correlation.json",
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
