"""Feature families of the language server: each module has `register(server)`."""
