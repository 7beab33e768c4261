"""Decision rules under normative uncertainty (shared/DESIGN.md, "Decision semantics" step 5).

Each module implements one family of rules over the (options x theories) choiceworthiness of
the feasible options; :mod:`engine.rules.registry` registers them by short name.
"""
