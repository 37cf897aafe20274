"""Qt front end. Imports no trainer; heavy work runs in workers (see workers.py)."""

from colorstudio.gui import qtfixes as _qtfixes

_qtfixes.apply()  # before any widget emits a signal (see qtfixes.py)
