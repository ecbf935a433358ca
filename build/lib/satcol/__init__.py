"""satcol: satellite column retrievals -> filtered, bias-corrected, TCCON-validated observations.

The first instrument is MOPITT XCO (V7J-V9J), following Hedelius et al. (2019), AMT 12, 5547
("H19" in docstrings). See docs in the repository README for the workflow.
"""

__version__ = "0.1.0"
