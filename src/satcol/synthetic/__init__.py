"""The embedded default dataset: a synthetic observing-system simulation (OSSE).

A known CO truth is observed by a MOPITT-like instrument (Terra swath, linear optimal
estimation in log10 VMR) and by TCCON-like sites, and written in the real file formats
(docs: docs/formats.md) so that the same readers work on real files. Injected artefacts are
configured under ``synthetic.truth``; the pipeline must recover them.
"""
