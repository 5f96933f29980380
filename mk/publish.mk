# Publishing: the editor's server (cms-auth/: e-mail sign-in and the
# content API on /api/cms/*), the publish workflow's helpers
# (tools/publish-plan.py, tools/check-site.py) and their tests. How
# publishing works: README.md, Deploy to AWS.

CMS_AUTH_BOOTSTRAP := $(TARGET_DIR)/lambda/cms-auth/bootstrap
CMS_AUTH_ZIP := $(TARGET_DIR)/lambda/cms-auth.zip

TEST_STAGES += test-publish

.PHONY: lambda-build-cms-auth lambda-zip-cms-auth test-publish check-site

# Same cross-build as the form function (mk/infra.mk), its own binary;
# without SQLite (the Lambda keeps its sessions in DynamoDB).
lambda-build-cms-auth: tools-infra lambda-target
	PATH="$(INFRA_VENV)/bin:$$PATH" cargo lambda build --release --arm64 --locked -p cms-auth --no-default-features

lambda-zip-cms-auth: lambda-build-cms-auth
	"$(INFRA_VENV)/bin/python" infra/checks/artifact.py "$(CMS_AUTH_BOOTSTRAP)" "$(CMS_AUTH_ZIP)"

# What the publish workflow runs first: the editor's change checked, with
# every problem said in plain Dutch (file, page, what to do).
check-site: node_modules/.installed build
	FORMS_BIN="$(FORMS_BIN)" python3 tools/check-site.py

# The editor's server under attack (cms-auth/tests/hostile.rs: the real
# Router, SQLite, the outbox and the GitHub stand-in with a real
# repository), its DynamoDB store on moto, the publish plan and the Dutch
# check messages on deliberately broken copies (with the form function's
# routing parser: FORMS_BIN), and the workflow files linted (actionlint).
# The Lambda build's features (no SQLite) are linted first. The editor in
# Chromium: make test-editor.
test-publish: tools-node tools-python tools-infra
	cargo clippy --locked -p cms-auth --no-default-features -- -D warnings
	$(WITH_SERVICES) --no-smtp -- cargo test --locked -p cms-auth --test hostile --test store
	cargo build --locked -p forms
	FORMS_BIN="$(FORMS_BIN)" $(TEST_PY) -m unittest discover -s tests/publish -p 'test_*.py' -v
	"$(INFRA_VENV)/bin/actionlint" .github/workflows/*.yml
