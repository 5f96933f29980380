# The soak run (issue 7): not part of `make test`. Bounded: 10,000 posts
# per store, at most SOAK_MAX_SECONDS each; 127.0.0.1 only. Prints counts
# and timings; fails if any accepted form is lost, misrouted or unmailed,
# or any answer is a 5xx. Options: make soak SOAK_FLAGS="--posts 2000".

SOAK_FLAGS ?=
SOAK_MAX_SECONDS ?= 1200
SOAK := $(TEST_PY) tests/soak/soak.py --forms-bin "$(FORMS_BIN)" --max-seconds $(SOAK_MAX_SECONDS)

.PHONY: soak
soak: tools-python build
	$(SOAK) --store sqlite $(SOAK_FLAGS)
	$(SOAK) --store dynamodb $(SOAK_FLAGS)
