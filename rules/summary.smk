# Run summary: counts per month and surface, skips by reason, provenance.


rule summary:
    input:
        mopitt=month_reports(),
        tccon=site_reports(),
    output:
        "results/summary.json",
    params:
        plan_skipped=PLAN.skipped,
        synthetic=PLAN.synthetic,
    log:
        "results/logs/summary.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/summary.py"
