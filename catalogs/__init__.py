"""The catalogs shipped with Codebook: one YAML file per provider (see bot/data.py)."""
