"""Import the built-in properties so that they register themselves (see
:mod:`theorems.registry`)."""

from __future__ import annotations
