"""Data files of ``solver.generate`` (see README.md here for their source and licence).

A package of its own so that the files travel in the wheel and ``importlib.resources`` finds
them wherever carerun is installed.
"""
