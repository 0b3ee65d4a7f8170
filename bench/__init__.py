"""Load generator for a running Hubbub server: ``python -m bench`` (see README.md)."""
