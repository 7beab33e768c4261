"""Network and influence-diagram files (BIF, XMLBIF, UAI, Hugin .net; BIFXML, XDSL, jgum, JSON)
and CSV tables, each read behind the input boundary into the IR."""
