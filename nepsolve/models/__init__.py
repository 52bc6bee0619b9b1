"""Physics models behind one small seam (see `nepsolve.models.base`)."""
