"""The ``satcol`` command: what users do outside the Snakemake workflow.

Subcommands::

    satcol inspect FILE... [--json]   what a file is and whether satcol reads it
    satcol synthesize OUTDIR ...      the synthetic record of a config (was satcol-synthesize)
    satcol obsop OBS MODEL -o OUT     the observation operator (was satcol-obsop)

Exit codes (every subcommand): 0 done; 1 ``inspect`` found a file satcol cannot use as it is;
2 a bad argument, config or input file (the message on stderr names it). The old commands
``satcol-synthesize`` and ``satcol-obsop`` remain as aliases of the subcommands.
"""

from __future__ import annotations

import argparse
import json
import sys

from satcol import __version__

#: Exit codes, as documented in ``satcol --help``.
EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_USAGE = 2

EPILOG = """exit codes:
  0  done (inspect: every file is readable by satcol)
  1  inspect: at least one file is unknown, unreadable, incomplete or on an unexpected scale
  2  bad arguments, config or input (the message names the argument, key or file)

Run 'satcol COMMAND --help' for the options of a command. The workflow itself is run with
snakemake (see the README)."""

COMMANDS = {
    "inspect": "what a file is (MOPITT L2 / TCCON / unknown), its version, sounding count, time "
               "range, which reader applies, and which required fields are missing or on an "
               "unexpected scale",
    "synthesize": "write the synthetic MOPITT L2 and TCCON files of a config (outside the workflow)",
    "obsop": "apply the observation operator: model CO profiles -> model-equivalent XCO for a "
             "satcol export file",
}


def _top_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="satcol", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="satcol: MOPITT XCO (and TCCON) files -> filtered, bias-corrected, TCCON-validated "
                    "observations. Commands for what users do outside the Snakemake workflow.",
        epilog=EPILOG)
    ap.add_argument("--version", action="version", version=f"satcol {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, text in COMMANDS.items():
        sub.add_parser(name, help=text, add_help=False)
    return ap


def inspect_parser(prog="satcol inspect") -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog=prog, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Say what each file is: MOPITT L2 or TCCON (or unknown), product / file-format version, "
                    "number of soundings (TCCON: spectra), time range, which satcol reader applies, which "
                    "required fields are missing or have the wrong shape, and which are on an unexpected "
                    "scale; then read it with that reader (the same code as the workflow's ingest).",
        epilog="exit codes:\n  0  every file is readable by satcol as it is\n"
               "  1  at least one file is unknown, unreadable, truncated, incomplete or on an unexpected scale\n"
               "  2  bad arguments")
    ap.add_argument("files", nargs="+", metavar="FILE", help="files to inspect")
    ap.add_argument("--json", action="store_true", help="print a JSON list of reports (one per file) instead of text")
    return ap


def inspect_main(argv=None, prog="satcol inspect") -> int:
    """``satcol inspect``: returns 0 when every file is usable, 1 otherwise, 2 on bad arguments."""
    from satcol.cli.inspect_file import format_report, inspect_file

    try:
        a = inspect_parser(prog).parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    reports = [inspect_file(p) for p in a.files]
    if a.json:
        print(json.dumps(reports, indent=2, default=str))
    else:
        print("\n\n".join(format_report(r) for r in reports))
    bad = [r["path"] for r in reports if not r["ok"]]
    if bad:
        print(f"{prog}: {len(bad)} of {len(reports)} file(s) not usable as they are: {', '.join(bad)}", file=sys.stderr)
        return EXIT_PROBLEM
    return EXIT_OK


def _synthesize(argv):
    from satcol.synthetic.cli import main as synth_main

    return synth_main(argv, prog="satcol synthesize")


def _obsop(argv):
    from satcol.export.obsop import main as obsop_main

    return obsop_main(argv, prog="satcol obsop")


def main(argv=None) -> int:
    """Entry point of ``satcol``; returns the exit code (see :data:`EPILOG`)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    ap = _top_parser()
    if not argv or argv[0] in ("-h", "--help"):
        ap.print_help(sys.stdout if argv else sys.stderr)
        return EXIT_OK if argv else EXIT_USAGE
    if argv[0] == "--version":
        print(f"satcol {__version__}")
        return EXIT_OK
    command, rest = argv[0], argv[1:]
    handlers = {"inspect": inspect_main, "synthesize": _synthesize, "obsop": _obsop}
    if command not in handlers:
        print(ap.format_usage().rstrip(), file=sys.stderr)
        print(f"satcol: error: unknown command {command!r} (choose from {', '.join(handlers)})", file=sys.stderr)
        return EXIT_USAGE
    try:
        return handlers[command](rest)
    except SystemExit as exc:  # argparse of a subcommand: --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
