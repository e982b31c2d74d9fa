"""Data files of the domain, read with importlib.resources (a package, so that it installs)."""
