# The paper's QC figures and the filter table (H19 Figs. 1-3, Table 3 with counts), and the pages
# of the Snakemake report (`snakemake --report results/report.html` or `.zip` after a run): its
# front page (report/workflow.rst includes results/report/front_page.rst) and the run's CSV
# tables as HTML, which the report shows inline. Report categories are the papers' sections
# (sorted by name in the report's menu, hence the numbers); captions are in report/captions/.

# The REPORT_* categories and report_targets() are in rules/common.smk (the figure rules of
# colocate.smk and export.smk use the categories too).


rule figures_qc:
    input:
        diagnostics="results/filters/diagnostics.csv",
        after=expand("results/qc/{ym}/diagnostics_after_partial.parquet", ym=PLAN.months),
        applied="results/filters/applied.yaml",
        prelim="results/pixel_bias/preliminary.json",
        final_bins="results/pixel_bias/final_bins.csv",
        fig1_table=f"results/store/mopitt/{PLAN.fig1_month}/soundings.parquet",
        fig1_qc=f"results/qc/{PLAN.fig1_month}/prefilter.parquet",
        corrected=expand("results/corrected/{ym}/report.json", ym=PLAN.months),
        candidates=CONFIG_FILES["candidates"],
    output:
        fig1=report("results/figures/fig1_pixel2_minus_pixel4.png", caption="../report/captions/fig1.rst",
                    category=REPORT_QC, subcategory="MOPITT"),
        fig1_pdf="results/figures/fig1_pixel2_minus_pixel4.pdf",
        fig2=report("results/figures/fig2_pixel_bias_timeseries.png", caption="../report/captions/fig2.rst",
                    category=REPORT_QC, subcategory="MOPITT"),
        fig2_pdf="results/figures/fig2_pixel_bias_timeseries.pdf",
        fig2_final=report("results/figures/fig2_final_pixel_bias_timeseries.png",
                          caption="../report/captions/fig2_final.rst", category=REPORT_QC, subcategory="MOPITT"),
        fig2_final_pdf="results/figures/fig2_final_pixel_bias_timeseries.pdf",
        # one PNG and one PDF per candidate of the candidates file; the report lists the PNGs
        fig3=report(directory("results/figures/fig3"), patterns=["fig3_{candidate}.png"],
                    caption="../report/captions/fig3.rst", category=REPORT_QC,
                    subcategory="MOPITT: Fig. 3 filter diagnostics"),
        table="results/tables/filters_applied.csv",
    params:
        month=PLAN.fig1_month,
        pixel_bias=cfg("pixel_bias"),
        instrument_events=cfg("instrument_events"),
    log:
        "results/logs/figures_qc.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/figures_qc.py"


rule report_pages:
    input:
        summary="results/summary.json",
        table3="results/tables/filters_applied.csv",
        per_site="results/validation/per_site.csv",
        loso="results/validation/loso.csv",
        correlation_bins="results/export/error_correlation_bins.csv",
        superobs=expand("results/export/{ym}/superobs_report.json", ym=PLAN.months),
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
