"""``python -m songnan_geo``: see :mod:`songnan_geo.cli`."""
import sys

from songnan_geo.cli import main

sys.exit(main())
