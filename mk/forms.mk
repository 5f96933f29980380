# The form function: build, run locally, test.

# Embedded defaults; override any of them on the command line or in the env.
export DATA_DIR ?= $(ROOT)/.data
export SITE_DIR ?= $(ROOT)/site/public
export PORT ?= 8080
CARGO_PROFILE_FLAG := $(if $(filter dev,$(PROFILE)),,--profile $(PROFILE))
WITH_SERVICES := $(TEST_PY) tests/support/with_services.py

.PHONY: build dev dev-dynamodb test-unit test-integration test-browser

build:
	cargo build --locked -p forms $(CARGO_PROFILE_FLAG)

# Site + forms on http://127.0.0.1:$PORT, SQLite and mail files in $DATA_DIR.
# With FORMS_STORE=dynamodb, the table is created first if it is missing
# (point AWS_ENDPOINT_URL_DYNAMODB at a local DynamoDB API, e.g. moto_server).
dev: site build
	@mkdir -p "$(DATA_DIR)"
	@if [ "$${FORMS_STORE:-sqlite}" = dynamodb ]; then "$(FORMS_BIN)" create-table; fi
	@echo "Outbox (FORMS_MAILER=file): $(DATA_DIR)/outbox/"
	exec "$(FORMS_BIN)"

# Style and lints first: fast, and a failure says exactly what to change.
test-unit:
	cargo fmt --all --check
	cargo clippy --locked --workspace --all-targets -- -D warnings
	cargo clippy --locked -p forms --no-default-features -- -D warnings
	cargo test --locked --workspace --lib --bins

test-integration: tools-python site
	$(WITH_SERVICES) -- cargo test --locked -p forms --test api

test-browser: tools-node tools-python tools-chromium site build
	FORMS_BIN="$(FORMS_BIN)" $(WITH_SERVICES) -- node --test --test-concurrency=1 tests/browser/

# docs/openapi.yaml against the real server: schemathesis with all its
# checks (a fixed seed, so every run tries the same cases).
TEST_STAGES += test-openapi
.PHONY: test-openapi
test-openapi: tools-python site build
	$(TEST_PY) tests/openapi/schemathesis_check.py "$(FORMS_BIN)"
