# Wildcard constraints and helpers shared by all rules.
import re


wildcard_constraints:
    # the instruments of the shared rules: MOPITT and the plug-ins' (satcol.core.config.generic_instruments)
    instrument="|".join(re.escape(name) for name in ENABLED_INSTRUMENTS),
    stage="raw|corrected",
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


def run_config(instrument="mopitt"):
    """The config of the run as an instrument's end products record it (their provenance config
    hash): every shared section some job reads and the instrument's own section
    (instruments.<name>, under its name); not the input globs nor the download section (the
    files they found are recorded by checksum), not the plug-in list and, with real data, not
    the synthetic section. Only for rules downstream of every reader (export_month, summary), so
    that it reruns nothing that would not rerun anyway."""
    value = workflow_plan.config_value(config, drop=("input", "download", "instruments", "plugins")
                                       + (() if PLAN.synthetic else ("synthetic",)))
    # GOSAT's sections are read by GOSAT's rules only (rules/instruments/gosat_s23.smk)
    if "synthetic" in value:
        value["synthetic"] = {k: v for k, v in value["synthetic"].items() if k != "gosat"}
    value["instruments"] = {instrument: cfg("instruments", instrument, drop=("input",))}
    return value


def month_reports():
    return expand("results/mopitt/store/{ym}/report.json", ym=PLAN.months)


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


OTHER_INSTRUMENTS = ENABLED_INSTRUMENTS[1:]
# the plug-in instruments as a wildcard constraint (a pattern that matches nothing without one)
OTHER_INSTRUMENTS_RE = "|".join(re.escape(name) for name in OTHER_INSTRUMENTS) or "(?!)"


def other_targets():
    """The products of the plug-in instruments of the shared rules: per month the CF export,
    and the colocation per site."""
    out = []
    for name in OTHER_INSTRUMENTS:
        out += expand("results/{instrument}/export/{ym}/{instrument}_{species}_soundings_{ym}.nc", instrument=name,
                      species=satcol_instruments.get(name).primary_species.export_name, ym=PLAN.months_of(name))
        out += expand("results/{instrument}/colocation/sites/{site}_counts.json", instrument=name, site=PLAN.sites)
    return out


def screened_qc(wc):
    """The per-month QC table before the correction: MOPITT's after its filters, a plug-in
    instrument's after its prefilter hooks (rules/instruments/generic.smk)."""
    if wc.instrument == "mopitt":
        return f"results/mopitt/qc/{wc.ym}/filtered.parquet"
    return f"results/{wc.instrument}/qc/{wc.ym}/prefilter.parquet"


def candidate_qc(wc):
    """The QC (and, corrected, the value) table a candidates file takes its soundings from."""
    if wc.stage == "corrected":
        return f"results/{wc.instrument}/corrected/{wc.ym}/soundings.parquet"
    return screened_qc(wc)


def plugin_modules(wc):
    """The plug-in modules a job of a plug-in instrument imports (none for MOPITT)."""
    return [] if wc.instrument == "mopitt" else cfg("plugins")


def report_targets():
    """The report's pages (the front page, the table pages, the OSSE table on synthetic runs) and
    the vector PDF of every figure (requested, so that a results directory from before the PDFs
    gets them)."""
    return (["results/report/front_page.rst", "results/report/tables/paper_vs_run.html"]
            + (["results/report/tables/osse_recovery.html"] if PLAN.synthetic else [])
            + FIGURE_PDFS)
