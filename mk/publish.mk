# Publishing (issue 15): the editor's sign-in function (cms-auth/), the
# publish workflow's helpers (tools/publish-plan.py, tools/check-site.py)
# and their tests. How publishing works: README.md, Deploy to AWS.

CMS_AUTH_BOOTSTRAP := $(TARGET_DIR)/lambda/cms-auth/bootstrap
CMS_AUTH_ZIP := $(TARGET_DIR)/lambda/cms-auth.zip

TEST_STAGES += test-publish

.PHONY: lambda-build-cms-auth lambda-zip-cms-auth test-publish check-site

# Same cross-build as the form function (mk/infra.mk), its own binary.
lambda-build-cms-auth: tools-infra lambda-target
	PATH="$(INFRA_VENV)/bin:$$PATH" cargo lambda build --release --arm64 --locked -p cms-auth

lambda-zip-cms-auth: lambda-build-cms-auth
	"$(INFRA_VENV)/bin/python" infra/checks/artifact.py "$(CMS_AUTH_BOOTSTRAP)" "$(CMS_AUTH_ZIP)"

# What the publish workflow runs first: the editor's change checked, with
# every problem said in plain Dutch (file, page, what to do).
check-site: node_modules/.installed build
	FORMS_BIN="$(FORMS_BIN)" python3 tools/check-site.py

# The sign-in flow (real process, moto, a local GitHub stand-in), the
# handshake in Chromium, the publish plan and the Dutch check messages on
# deliberately broken copies, and the workflow files linted (actionlint).
test-publish: tools-node tools-python tools-infra tools-chromium
	$(WITH_SERVICES) --no-smtp -- cargo test --locked -p cms-auth --test flow
	cargo build --locked -p cms-auth
	CMS_AUTH_BIN="$(TARGET_DIR)/debug/cms-auth" $(WITH_SERVICES) --no-smtp -- node --test --test-concurrency=1 tests/publish/
	cargo build --locked -p forms
	FORMS_BIN="$(FORMS_BIN)" $(TEST_PY) -m unittest discover -s tests/publish -p 'test_*.py' -v
	"$(INFRA_VENV)/bin/actionlint" .github/workflows/*.yml
