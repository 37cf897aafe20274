"""Headless trainer for ColorStudio's model families (imports no Qt)."""
