# `make bench`: speed and size of what ships, against the budgets.
# Not part of `make test`: figures depend on the machine; the budgets are
# checked here and reported, never asserted by tests.
# Writes target/bench/results.{json,md} and prints the table.

BENCH_DIR := $(ROOT)/target/bench
RELEASE_DIR := $(TARGET_DIR)/release
# The Lambda artifact as it ships: the arm64 `bootstrap` that cargo lambda
# builds (mk/infra.mk), zipped. Point LAMBDA_BIN elsewhere to compare.
LAMBDA_BIN ?= $(LAMBDA_BOOTSTRAP)
LAMBDA_NOTE ?= arm64 bootstrap from cargo lambda (release profile, as shipped), zipped (deflate -9)
BENCH_COLD_RUNS ?= 20
BENCH_CLIENTS ?= 32
BENCH_REQUESTS ?= 2000
BENCH_ROUNDS ?= 5

.PHONY: bench bench-build

SHIPPED_BIN := $(BENCH_DIR)/forms-shipped

# The site first: the release binary embeds its form pages. The Lambda
# build for this machine first, kept aside, then the default build (they
# share every crate whose features agree, so the second is quick).
bench-build: site
	cargo build --locked --release -p forms --no-default-features
	@mkdir -p "$(BENCH_DIR)"
	cp "$(RELEASE_DIR)/forms" "$(SHIPPED_BIN)"
	cargo build --locked --release -p forms
	cargo build --locked --release -p bench

bench: tools-node tools-chromium bench-build lambda-build
	@mkdir -p "$(BENCH_DIR)"
	python3 bench/lambda_zip.py "$(LAMBDA_BIN)" "$(BENCH_DIR)/lambda.zip" "$(BENCH_DIR)/lambda.json" "$(LAMBDA_NOTE)"
	"$(RELEASE_DIR)/bench" --forms "$(RELEASE_DIR)/forms" --shipped "$(SHIPPED_BIN)" --baseline "$(RELEASE_DIR)/baseline" \
	  --work "$(BENCH_DIR)/work" --out "$(BENCH_DIR)/function.json" \
	  --cold-runs $(BENCH_COLD_RUNS) --clients $(BENCH_CLIENTS) --requests $(BENCH_REQUESTS) --rounds $(BENCH_ROUNDS)
	FORMS_BIN="$(RELEASE_DIR)/forms" node bench/site.mjs "$(BENCH_DIR)/site.json"
	node bench/report.mjs "$(BENCH_DIR)"
