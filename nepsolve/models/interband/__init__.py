"""Driven two-band semiconductor: photo-induced interband pairing (PORTA_SPEC)."""
