"""The Lexis language: syntax tree, model, checks, hashes, formatter and fixes (no LSP types).

The modules a full analysis spends its time in load compiled when their build matches the
sources (``native.py``)."""

from .native import install as _install_native

_install_native()
