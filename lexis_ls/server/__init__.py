"""The language server: LSP over the language core and the interpreter (layer 3)."""

# The language core first: importing it installs the finder of the compiled modules
# (lexis_ls/lang/native.py), one of which is this package's `convert`.
from .. import lang as _lang  # noqa: F401
