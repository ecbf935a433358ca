"""GOSAT TANSO-FTS SWIR L2 (NIES V02/V03) as a satcol instrument: XCO2 and XCH4 screened after
Someya et al. 2023 ("S23") Table 3 and corrected by the S23 Sect. 4.5 regression against TCCON.
The declaration is :mod:`.instrument`; the workflow steps of rules/instruments/gosat_s23.smk are
:mod:`satcol.pipeline.gosat`."""
