# The two quick-start commands (README): `make setup` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup test lint bench repair-score vsix fuzz native

$(BIN)/lexis: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@# Byte-compile our sources once: with PYTHONDONTWRITEBYTECODE set, every server start
	@# would compile them again.
	$(BIN)/python -m compileall -q lexis_ls
	@# The analysis core compiled by mypyc (lexis_ls/lang/native.py); without a C compiler
	@# everything still runs, as plain Python.
	$(BIN)/python -m lexis_ls.build_native > /dev/null || echo "lexis: the compiled core was not built; the analysis runs as plain Python"
	@touch $(BIN)/lexis

# Compile the analysis core again (after editing one of its modules: until then the sources
# run as plain Python).
native: $(BIN)/lexis
	$(BIN)/python -m lexis_ls.build_native

# Set everything up, then run the main job on the examples.
setup: $(BIN)/lexis
	$(BIN)/lexis check examples/
	$(BIN)/lexis run examples/hello.lexis.json

# The whole test suite: lint, types, tests.
test: $(BIN)/lexis lint
	$(BIN)/python -m pytest tests
	@# the language tests again on the plain Python sources, when the run above was compiled
	@if [ "$$($(BIN)/python -m lexis_ls.build_native --status | cut -c1-8)" = compiled ]; then \
		LEXIS_NATIVE=0 $(BIN)/python -m pytest tests/lang; fi

lint: $(BIN)/lexis
	$(BIN)/ruff check lexis_ls tests benchmarks
	$(BIN)/ruff format --check lexis_ls tests benchmarks
	$(BIN)/mypy

bench: $(BIN)/lexis
	$(BIN)/python benchmarks/bench_check.py

# Keystroke latency of lexis-ls against vscode-json-language-server (npm-installed into
# ~/.cache/lexis-ls/json-server on first use): every edit kind at 1k/10k/50k nodes, pull and
# push-only clients, probes p95 and peak RSS; prints the ratio table and writes
# benchmarks/RESULTS.md (about 10-15 minutes).
.PHONY: bench-lsp
bench-lsp: $(BIN)/lexis
	$(BIN)/python benchmarks/bench_lsp.py

# Instructions per full analysis of a generated 10k-node program, counted by callgrind (needs
# valgrind; about a minute): a measure of the analysis's work that does not move with the
# machine's slow phases, per phase with the compiled core.
.PHONY: bench-instructions
bench-instructions: $(BIN)/lexis
	$(BIN)/python benchmarks/bench_instructions.py

# How well the fixes repair the model-written programs of tests/repair/corpus (fix, quick fix,
# fix-all); exit 1 when any case ends clean-but-wrong.
# The repair score: the corpus, then the three held-out corpora (exit 1 on any clean-but-wrong).
repair-score: $(BIN)/lexis
	$(BIN)/python benchmarks/repair_score.py
	@for c in heldout heldout2 heldout3; do echo; echo "tests/repair/$$c:"; \
		$(BIN)/python benchmarks/repair_score.py --corpus tests/repair/$$c || exit 1; done

# The fuzzer of the language server, debug adapter and interpreter (tests/fuzz): 10 minutes by
# default; `make fuzz FUZZ_BUDGET=60 FUZZ_SEED=7`. Exit 1 on any finding (tests/fuzz/findings/).
FUZZ_BUDGET ?= 600
FUZZ_SEED ?=
fuzz: $(BIN)/lexis
	FUZZ_BUDGET=$(FUZZ_BUDGET) FUZZ_SEED=$(FUZZ_SEED) $(BIN)/python -m tests.fuzz

# The VS Code extension package for one platform, with the server and its dependencies inside
# (bundled/libs, built by scripts/bundle-libs.py; needs Node 20 + npm and the package index):
# vscode-extension/lexis-ls-<target>-<version>.vsix. `make vsix TARGET=darwin-arm64` for another
# platform (vsce --target names).
TARGET ?= linux-x64
vsix:
	cd vscode-extension && npm ci --no-audit --no-fund \
		&& python3 scripts/bundle-libs.py --target $(TARGET) \
		&& npx vsce package --target $(TARGET) --no-dependencies --allow-missing-repository \
			--no-rewrite-relative-links -o lexis-ls-$(TARGET)-$$(node -p "require('./package.json').version").vsix
