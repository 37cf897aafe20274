"""``python -m colorstudio.gui [IMAGE]``: same as the ``colorstudio`` command."""

import sys

from colorstudio.gui.app import main

sys.exit(main())
