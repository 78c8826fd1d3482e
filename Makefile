# Set-up and checks. `make demo` and `make test` work on a fresh Debian/Ubuntu machine (root or sudo for apt).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SYSTEM_PACKAGES := ffmpeg espeak-ng
TEST_PACKAGES := chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# A CPU build of torch: the local wheel folder when there is one, else PyTorch's CPU index.
TORCH_SOURCE := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,--index-url https://download.pytorch.org/whl/cpu)

# The package is built as a wheel and installed like a user's `pip install`; the tests run from a copy outside the
# source tree, so they import the installed wheel and never the checkout. `make develop` installs it editable.
SUITE := build/suite

.PHONY: system-deps install develop demo test style quality

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES) $(EXTRA_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: system-deps $(BIN)/python
	$(BIN)/pip install -q $(TORCH_SOURCE) "torch==2.13.0"
	rm -rf dist && $(BIN)/pip wheel -q --no-deps -w dist .
	$(BIN)/pip install -q "$$(ls dist/whisper_ser-*.whl)[offline,app,egemaps,dev]"
	$(BIN)/pip install -q --force-reinstall --no-deps dist/whisper_ser-*.whl

develop: system-deps $(BIN)/python
	$(BIN)/pip install -q $(TORCH_SOURCE) "torch==2.13.0"
	$(BIN)/pip install -q -e ".[offline,app,egemaps,dev]"

demo: install
	$(BIN)/whisper-ser demo-run --output results/demo

test: EXTRA_PACKAGES = $(TEST_PACKAGES)
test: install
	rm -rf $(SUITE) && mkdir -p $(SUITE) && cp -r tests $(SUITE)/
	cd $(SUITE) && WHISPER_SER_SOURCE=$(CURDIR) $(CURDIR)/$(BIN)/python -m pytest tests -q -p no:cacheprovider \
		-c $(CURDIR)/pyproject.toml --rootdir .

style:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

quality:
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
