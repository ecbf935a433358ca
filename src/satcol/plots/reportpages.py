"""Pages of the Snakemake report built from a run's outputs: the front page (provenance and
headline numbers, reStructuredText included by ``report/workflow.rst``) and the run's CSV tables
as self-contained HTML, which the report shows inline (it only offers CSV files for download).
"""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd

from satcol.core.errors import BadInputError

_CSS = """
body { font-family: system-ui, sans-serif; font-size: 13px; margin: 12px; color: #111; background: #fff; }
h1 { font-size: 16px; margin: 0 0 4px 0; }
p.note { margin: 2px 0 10px 0; color: #333; max-width: 70em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #bbb; padding: 2px 6px; text-align: right; white-space: nowrap; }
th { background: #eee; position: sticky; top: 0; }
td.text { text-align: left; white-space: normal; max-width: 40em; }
tr.bad td { background: #fde0c5; }
"""


def _cell(value) -> tuple[str, bool]:
    """(text, is_numeric) of one table cell: whole numbers as integers, other numbers with 4
    significant digits, missing values empty."""
    if value is None:
        return "", True
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)), False
    if isinstance(value, (int, np.integer)):
        return f"{int(value)}", True
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v):
            return "", True
        if v.is_integer() and abs(v) < 1e15:
            return f"{int(v)}", True
        return f"{v:.4g}", True
    return str(value), False


def table_html(df: pd.DataFrame, title: str, note: str = "", source: str = "", flag_column: str | None = None) -> str:
    """A CSV table as one self-contained HTML page (no scripts, no external resources).

    Parameters
    ----------
    df : DataFrame
        The table, shown row by row in its column order.
    title, note, source : str
        Heading, a sentence on how to read the table, and the CSV path it was rendered from.
    flag_column : str, optional
        A boolean column; rows where it is False are highlighted (e.g. ``ok`` of the OSSE
        recovery table).

    Returns
    -------
    str
        The HTML document.
    """
    if flag_column is not None and flag_column not in df.columns:
        raise BadInputError(source or title, "missing_field", f"no column {flag_column!r} to highlight rows by",
                            dataset=flag_column)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    flags = df[flag_column].astype(str).str.lower().isin(("false", "0")) if flag_column else None
    for i, rec in enumerate(df.itertuples(index=False, name=None)):
        cells = []
        for v in rec:
            text, numeric = _cell(v)
            cells.append(f"<td>{html.escape(text)}</td>" if numeric else f'<td class="text">{html.escape(text)}</td>')
        cls = ' class="bad"' if flags is not None and flags.iloc[i] else ""
        rows.append(f"<tr{cls}>{''.join(cells)}</tr>")
    src = f"<p class=\"note\">{len(df)} rows; from <code>{html.escape(source)}</code>.</p>" if source else ""
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{html.escape(title)}</h1>"
            + (f"<p class=\"note\">{html.escape(note)}</p>" if note else "") + src
            + f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></body></html>\n")


def superobs_table(reports: list[dict]) -> pd.DataFrame:
    """Super-observation diagnostics per month from the export's ``superobs_report.json`` files
    (satcol.export.superobs): super-observations, soundings used, kept soundings, the median ratio of
    effective to actual soundings per super-observation (error correlation, H19 Sect. 5)."""
    cols = ["month", "n_superobs", "n_soundings_used", "n_kept", "median_n_effective_over_n"]
    for r in reports:
        missing = [c for c in cols if c not in r]
        if missing:
            raise BadInputError(f"results/mopitt/export/{r.get('month', '?')}/superobs_report.json", "missing_field",
                                f"missing {', '.join(missing)}", dataset=missing[0])
    return pd.DataFrame([{c: r[c] for c in cols} for r in reports], columns=cols)


def _num(value, fmt="{:.3g}", missing="n/a") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return missing
    return fmt.format(value)


def _get(d: dict, *path, default=None):
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return default
        d = d[key]
    return d


def headline_numbers(summary: dict, source="results/summary.json") -> list[tuple[str, str, str]]:
    """The run's headline numbers from ``results/summary.json`` (``source``, named in errors):
    (quantity, value, where in the report), in the order of the papers' sections."""
    rows = []
    snd = _get(summary, "qc", "soundings", default={})
    if not snd:
        raise BadInputError(source, "missing_field", "no qc.soundings section (is this a satcol run summary?)",
                            dataset="qc.soundings")
    total, kept = snd.get("total", 0), snd.get("kept", 0)
    rows.append(("MOPITT soundings ingested / kept by every filter",
                 f"{total:,} / {kept:,} ({100.0 * kept / total:.1f} %)" if total else "0 / 0",
                 "Table 3 (filters)"))
    sra = _get(summary, "qc", "sra", default={})
    rows.append(("SRA RMS: prefiltered -> filtered -> second SRA (ppb)",
                 " -> ".join(_num(sra.get(k), "{:.2f}") for k in ("rms_prefiltered_ppb", "rms_filtered_ppb",
                                                                  "rms_second_sra_ppb")),
                 "Figs. 2-3"))
    acc = _get(summary, "qc", "feature_bias", "accepted", default=[])
    rows.append(("feature-bias corrections accepted", ", ".join(map(str, acc)) if acc else "none", "H19 Sect. 3"))
    fit = _get(summary, "tccon", "method_II", "standard", default={})
    if fit.get("n", 0) and "slope" in fit:
        rows.append(("MOPITT vs TCCON (method II, standard): days, York slope, intercept (ppb), R^2",
                     f"{fit['n']}, {fit['slope']:.3f}, {fit['intercept']:+.2f}, {fit['r2']:.3f}", "Fig. 5"))
        rows.append(("MOPITT / TCCON scale factor",
                     f"{fit['scale_factor']:.4f} +- {_num(fit.get('scale_factor_err'), '{:.4f}')}", "Fig. 5"))
        rows.append(("drift of MOPITT - TCCON (% per year, 95 % interval)",
                     f"{_num(fit.get('drift_percent_per_year'), '{:+.2f}')} "
                     f"[{', '.join(_num(v, '{:+.2f}') for v in (fit.get('drift_interval_95') or [None, None]))}]",
                     "Fig. 7"))
    else:
        rows.append(("MOPITT vs TCCON (method II, standard)",
                     f"{fit.get('n', 0)} colocated days: no fit", "Figs. 4-8"))
    scale = _get(summary, "export", "global_scale", default={})
    rows.append(("scale applied to the export", f"{_num(scale.get('value'), '{:.4f}')} ({scale.get('source', 'n/a')})",
                 "Assimilation export"))
    so = _get(summary, "export", "superobs", default={})
    rows.append(("super-observations / soundings in them", f"{so.get('n', 0):,} / {so.get('n_soundings_used', 0):,}",
                 "Assimilation export"))
    for surf in ("land", "water"):
        m = _get(summary, "export", "error_correlation", surf, default=None)
        if m:
            rows.append((f"error correlation, {surf}: c0, length (km)",
                         f"{_num(m.get('c0'), '{:.2f}')}, {_num(m.get('length_km'), '{:.0f}')} ({m.get('source', '')})",
                         "Assimilation export"))
    osse = summary.get("osse_recovery")
    if osse:
        failed = osse.get("failed") or []
        rows.append(("OSSE: injected quantities recovered within tolerance",
                     f"{osse['n_ok']} of {osse['n_scored']}" + (f" (not: {', '.join(failed)})" if failed else ""),
                     "OSSE"))
    skipped = _get(summary, "skipped", "total", default=0)
    rows.append(("input files skipped", f"{skipped}", "summary.json"))
    return rows


def _rst_escape(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("*", "\\*").replace("`", "\\`").replace("|", "\\|").replace("_", "\\_")


def front_page(summary: dict, source="results/summary.json") -> str:
    """reStructuredText of the report's front page: provenance and headline numbers.

    Parameters
    ----------
    summary : dict
        ``results/summary.json`` of the run (satcol.pipeline.summary).
    source : str
        Its path, named in errors.

    Returns
    -------
    str
        Text for ``results/report/front_page.rst``, included by ``report/workflow.rst``.
    """
    prov = summary.get("provenance")
    if not isinstance(prov, dict) or "config_sha256" not in prov:
        raise BadInputError(source, "missing_field", "no provenance section with config_sha256",
                            dataset="provenance.config_sha256")
    kind = "synthetic record (OSSE: known injected truth)" if summary.get("synthetic") else "instrument files"
    lines = [
        "Provenance",
        "~~~~~~~~~~",
        "",
        f"- satcol version: ``{prov.get('satcol_version', 'unknown')}``",
        f"- git commit: ``{prov.get('git_commit') or 'unknown'}``",
        f"- config hash (SHA-256): ``{prov['config_sha256']}``",
        f"- input: {kind}; {len(prov.get('input_sha256') or {})} files, each recorded by SHA-256 in "
        "``results/summary.json``",
        "",
        "Headline numbers",
        "~~~~~~~~~~~~~~~~",
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "",
        "   * - quantity",
        "     - this run",
        "     - shown in",
    ]
    for q, v, where in headline_numbers(summary, source):
        lines += [f"   * - {_rst_escape(q)}", f"     - {_rst_escape(v)}", f"     - {_rst_escape(where)}"]
    return "\n".join(lines) + "\n"
