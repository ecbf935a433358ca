"""``python -m satcol.cli``: the same as the ``satcol`` command."""

import sys

from satcol.cli import main

sys.exit(main())
