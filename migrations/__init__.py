"""The analytics migrations shipped with Codebook, NNNN_what.sql (see bot/data.py)."""
