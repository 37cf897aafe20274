"""Facades: paint a label map, see the pix2pix photo."""
