"""models: producers of IR from files and the inference backends behind engine's protocol.

``tensor`` (numpy / torch / JAX, one planner), ``pgmpy`` (exact reference), ``pyro``
(enumeration, likelihood weighting), ``formats`` (network and influence-diagram files),
``influence`` (the influence-diagram solver), ``learn`` (CPTs, utilities, credences), ``pyagrum``
(cross-checks). ``backends`` holds the specs the ``phronesis.backends`` entry points name.
"""
