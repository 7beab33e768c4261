"""Verified decision tables for controllers: the decision for every evidence assignment with the
certificates checked on exactly that table, written as JSON, ``.npz`` and a C header."""
