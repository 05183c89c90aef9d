"""Helpers shared by the tests (importable as ``support``: tests/conftest.py puts tests/ on sys.path).

- ``support.registries``: the local registries started by scripts/registries.
"""
