"""``python -m satcol.cli``: the same as the ``satcol`` command."""

import sys

from . import main

sys.exit(main())
