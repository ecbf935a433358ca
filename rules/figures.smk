# The pages of the Snakemake report (`snakemake --report results/report.html` or `.zip` after a run): its
# front page (report/workflow.rst includes results/report/front_page.rst) and the run's CSV
# tables as HTML, which the report shows inline. Report categories are the papers' sections
# (sorted by name in the report's menu, hence the numbers); captions are in report/captions/.

# The paper's QC figures and the filter table (H19 Figs. 1-3, Table 3 with counts) are MOPITT's
# (rule figures_qc, rules/instruments/mopitt_h19.smk). The REPORT_* categories and
# report_targets() are in rules/common.smk (the figure rules of mopitt_h19.smk, colocate.smk and
# export.smk use the categories too).


rule report_pages:
    input:
        summary="results/summary.json",
        table3="results/tables/filters_applied.csv",
        per_site="results/mopitt/validation/per_site.csv",
        loso="results/mopitt/validation/loso.csv",
        correlation_bins="results/mopitt/export/error_correlation_bins.csv",
        superobs=expand("results/mopitt/export/{ym}/superobs_report.json", ym=PLAN.months),
    output:
        front_page="results/report/front_page.rst",
        table3=report("results/report/tables/table3_filters.html", caption="../report/captions/table3_filters.rst",
                      category=REPORT_QC, subcategory="MOPITT"),
        per_site=report("results/report/tables/validation_per_site.html",
                        caption="../report/captions/validation_per_site.rst", category=REPORT_TCCON,
                        subcategory="MOPITT vs TCCON"),
        loso=report("results/report/tables/validation_loso.html", caption="../report/captions/validation_loso.rst",
                    category=REPORT_TCCON, subcategory="MOPITT vs TCCON"),
        correlation_bins=report("results/report/tables/error_correlation_bins.html",
                                caption="../report/captions/error_correlation_bins.rst", category=REPORT_EXPORT,
                                subcategory="MOPITT export"),
        superobs=report("results/report/tables/superobs.html", caption="../report/captions/superobs.rst",
                        category=REPORT_EXPORT, subcategory="MOPITT export"),
    log:
        "results/logs/report_pages.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/figures_report.py"


rule report_osse_table:
    input:
        "results/osse/recovery.csv",
    output:
        report("results/report/tables/osse_recovery.html", caption="../report/captions/osse_recovery.rst",
               category=REPORT_OSSE, subcategory="synthetic record"),
    log:
        "results/logs/report_osse_table.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/figures_report.py"
