"""Physics ingredients in pure NumPy: distributions, boson and bath spectra, parameters."""
