"""Figures (:mod:`satcol.plots.figures`), their shared style (:mod:`satcol.plots.figstyle`) and
the HTML report pages (:mod:`satcol.plots.reportpages`)."""
