"""The language server: LSP over the language core and the interpreter (layer 3)."""
