"""Qt front end. Imports no trainer; heavy work runs in workers (see workers.py)."""
