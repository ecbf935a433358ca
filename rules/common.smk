# Wildcard constraints and helpers shared by all rules.


wildcard_constraints:
    ym=r"\d{4}-\d{2}",
    site=r"[a-z]{2}",
    date=r"\d{8}",
    start=r"\d{8}",
    end=r"\d{8}",


def cfg(*path, only=None, drop=()):
    """A rule's slice of the config, for its params (satcol.pipeline.plan.config_value): every
    config value a job uses reaches it through params, so that Snakemake's params trigger
    reruns the job, and what depends on it, when the value changes."""
    return workflow_plan.config_value(config, *path, only=only, drop=drop)


def run_config():
    """The config of the run as its end products record it (their provenance config hash): every
    section some job reads; not the input globs nor the download section (the files they found
    are recorded by checksum) and, with real data, not the synthetic section. Only for rules downstream of every reader
    (export_month, summary), so that it reruns nothing that would not rerun anyway."""
    value = workflow_plan.config_value(config, drop=("input", "download", "instruments")
                                       + (() if PLAN.synthetic else ("synthetic",)))
    # GOSAT's sections are read by GOSAT's rules only (rules/instruments/gosat_s23.smk)
    if "synthetic" in value:
        value["synthetic"] = {k: v for k, v in value["synthetic"].items() if k != "gosat"}
    return value


def month_reports():
    return expand("results/store/mopitt/{ym}/report.json", ym=PLAN.months)


def site_reports():
    return expand("results/store/tccon/{site}.report.json", site=PLAN.sites)


# Categories of the Snakemake report (report/workflow.rst, rules/figures.smk): the papers' sections,
# numbered because the report's menu sorts them by name.
REPORT_QC = "1 QC and bias correction (H19 Sect. 3)"
REPORT_TCCON = "2 TCCON validation (H19 Sect. 4)"
REPORT_EXPORT = "3 Assimilation export (H19 Sect. 5)"
REPORT_OSSE = "4 OSSE: recovery of the synthetic truth"
REPORT_PAPERS = "5 Papers beside the run"

FIGURE_PDFS = [f"results/figures/{name}.pdf" for name in (
    "fig1_pixel2_minus_pixel4", "fig2_pixel_bias_timeseries", "fig2_final_pixel_bias_timeseries",
    "fig4_surface_pressure_scaling", "fig5_one_to_one_method_II", "fig5_one_to_one_method_II_unscaled",
    "fig6_site_differences", "fig7_hovmoller", "fig8_column_averaging_kernels", "error_correlation")]


def report_targets():
    """The report's pages (the front page, the table pages, the OSSE table on synthetic runs) and
    the vector PDF of every figure (requested, so that a results directory from before the PDFs
    gets them)."""
    return (["results/report/front_page.rst", "results/report/tables/paper_vs_run.html"]
            + (["results/report/tables/osse_recovery.html"] if PLAN.synthetic else [])
            + FIGURE_PDFS)
