"""`make mutation`: mutation testing of the modules where fidelity lives (docs/TESTING.md)."""
