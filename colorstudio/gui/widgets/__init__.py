"""Self-contained widgets composed by the main window; each is testable alone."""
