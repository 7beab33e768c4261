"""pyAgrum as an independent cross-check: the IR as a pyAgrum network (tests, benchmarks)."""
