"""Posyandu 6 SPM: the six fields, the institution a row belongs to, the master list."""
