"""The fuzzer of the language server (issue 13): `python -m tests.fuzz` or `make fuzz`."""
