"""The Pyro backend: exact enumeration, likelihood weighting with effective sample size, and the
Pyro program a network compiles to."""
