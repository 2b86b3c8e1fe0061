"""``python -m mtl_core``: see `mtl_core.cli`."""

import sys

from .cli import main

sys.exit(main())
