"""Pages of the Snakemake report: the front page and the run's tables as HTML (thin wrapper;
the rendering is satcol.plots.reportpages). Serves rules report_pages, report_osse_table, report_paper_table and the GOSAT
table pages (report_gosat_loso_table, report_gosat_recovery_table)."""

import json

import pandas as pd

from satcol.core import ioutil, logutil
from satcol.plots import reportpages

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, rule = snakemake.input, snakemake.output, snakemake.rule  # noqa: F821


def read_csv(path):
    """A CSV table; an empty file (e.g. no colocated day, no leave-one-site-out row) is an empty
    table."""
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def write(path, text):
    with ioutil.atomic_path(path) as tmp:
        tmp.write_text(text)


if rule == "report_osse_table":
    write(out[0], reportpages.table_html(
        read_csv(inp[0]), "OSSE: recovered against injected quantities",
        "Highlighted rows are scored and outside their tolerance.", inp[0], flag_column="ok"))
    log.info("OSSE recovery table page written")
    raise SystemExit(0)

if rule in ("report_gosat_loso_table", "report_gosat_recovery_table"):  # rules/instruments/gosat_s23.smk
    title, note, flag = (("GOSAT: bias in sample and leave one site out",
                          "Corrected GOSAT minus TCCON at ±2°: in sample (the MLR fitted on these match-ups) "
                          "beside leave one site out (refitted without the site).", None)
                         if rule == "report_gosat_loso_table" else
                         ("GOSAT OSSE: recovered against injected quantities",
                          "Highlighted rows are scored and outside their tolerance.", "ok"))
    write(out[0], reportpages.table_html(read_csv(inp[0]), title, note, inp[0], flag_column=flag))
    log.info("%s page written", rule)
    raise SystemExit(0)

if rule == "report_paper_table":
    write(out[0], reportpages.table_html(
        read_csv(inp[0]), "The papers beside this run (H19, S23)",
        "Published value, its source in the paper, and the same quantity from this run; status and "
        "note say how comparable the two are (docs/paper-vs-run.md).", inp[0]))
    log.info("paper-beside-run table page written")
    raise SystemExit(0)

with open(inp.summary) as f:
    summary = json.load(f)
write(out.front_page, reportpages.front_page(summary, inp.summary))
tables = [
    (out.table3, inp.table3, "H19 Table 3 with this run's counts: soundings flagged per QC bit"),
    (out.per_site, inp.per_site, "TCCON validation per site (method II, standard TCCON)"),
    (out.loso, inp.loso, "Leave-one-site-out fits (method II, standard TCCON)"),
    (out.correlation_bins, inp.correlation_bins, "Error correlation of SRA residual pairs by separation"),
]
for dest, src, title in tables:
    df = read_csv(src)
    note = "" if len(df) else "No rows in this run (e.g. no colocated TCCON day)."
    write(dest, reportpages.table_html(df, title, note, src))
reports = []
for p in inp.superobs:
    with open(p) as f:
        reports.append(json.load(f))
write(out.superobs, reportpages.table_html(reportpages.superobs_table(reports), "Super-observations per month",
                                           "", "results/mopitt/export/{month}/superobs_report.json"))
log.info("report front page and %d table pages written", len(tables) + 1)
