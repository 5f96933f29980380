# The AWS stack in infra/: offline checks (part of make test) and the deploy.
# Design and skipped checks: infra/README.md. How to ship: README.md.

INFRA_VENV := $(ROOT)/.venv/infra
DEPLOY_VENV := $(ROOT)/.venv/deploy
# Lambda runs the function on Graviton (arm64): cheaper per GB-second.
LAMBDA_TARGET := aarch64-unknown-linux-gnu
LAMBDA_BOOTSTRAP := $(TARGET_DIR)/lambda/forms/bootstrap
LAMBDA_ZIP := $(TARGET_DIR)/lambda/forms.zip

# Deploy settings; put yours in infra/deploy.env (not in git), see
# infra/deploy.env.example, or pass them on the command line.
-include infra/deploy.env
AWS_REGION ?= eu-west-1
STACK_NAME ?= steun-voor-gezinnen
MAIL_DOMAIN ?=
MAIL_FROM ?= Steun voor gezinnen <noreply@$(MAIL_DOMAIN)>
OPERATOR_EMAIL ?=
SITE_DOMAIN ?=
CERTIFICATE_ARN ?=
# The repository whose main branch may publish (owner/name; GitHub Actions
# sets GITHUB_REPOSITORY itself), an existing OIDC provider to reuse, and
# the role CloudFormation deploys with (the publish workflow passes it).
GITHUB_REPOSITORY ?=
OIDC_PROVIDER_ARN ?=
CFN_ROLE_ARN ?=
SAM := SAM_CLI_TELEMETRY=0 $(DEPLOY_VENV)/bin/sam
# The publish workflow uses the AWS CLI of its runner for a site-only
# publish (make deploy-site AWS=aws): no SAM to install for a text change.
AWS ?= $(DEPLOY_VENV)/bin/aws

TEST_STAGES += infra-check

.PHONY: tools-infra tools-deploy tools-qemu lambda-target lambda-build lambda-zip infra-check infra-lint infra-smoke
.PHONY: deploy deploy-stack deploy-site

$(INFRA_VENV)/.installed: infra/requirements.txt
	python3 -m venv "$(INFRA_VENV)"
	"$(INFRA_VENV)/bin/pip" install --quiet --disable-pip-version-check -r infra/requirements.txt
	@touch $@

$(DEPLOY_VENV)/.installed: infra/deploy-requirements.txt
	python3 -m venv "$(DEPLOY_VENV)"
	"$(DEPLOY_VENV)/bin/pip" install --quiet --disable-pip-version-check -r infra/deploy-requirements.txt
	@touch $@

tools-infra: $(INFRA_VENV)/.installed
tools-deploy: $(DEPLOY_VENV)/.installed

# The arm64 standard library for cross-compiling (a rustup component).
lambda-target:
	@rustup target list --installed | grep -qx $(LAMBDA_TARGET) || rustup target add $(LAMBDA_TARGET)

# cargo-lambda cross-compiles with zig (the pinned ziglang wheel). The site
# comes first: the form pages are built into the binary (functions/build.rs).
lambda-build: tools-infra lambda-target site
	PATH="$(INFRA_VENV)/bin:$$PATH" cargo lambda build --release --arm64 --locked -p forms --no-default-features

lambda-zip: lambda-build
	"$(INFRA_VENV)/bin/python" infra/checks/artifact.py "$(LAMBDA_BOOTSTRAP)" "$(LAMBDA_ZIP)"

# Offline proof of the stack: lint with no errors and no warnings, checkov
# with no failed checks (every skip reasoned in the template), the template
# against the code's contracts, the stack deployed on paper (SAM's transform
# for each parameter set, linted, and every permission evaluated: the
# rehearsal, and its tests that break the template on purpose), and the
# arm64 artifact actually built.
infra-lint: tools-infra site build
	"$(INFRA_VENV)/bin/cfn-lint" infra/template.yaml
	@echo "cfn-lint: no errors, no warnings"
	cargo build --locked -p cms-auth $(CARGO_PROFILE_FLAG)
	cd infra/checks && "$(INFRA_VENV)/bin/python" contracts.py "$(FORMS_BIN)" "$(CMS_AUTH_BIN)"
	cd infra/checks && "$(INFRA_VENV)/bin/python" -m unittest test_rehearsal
	cd infra/checks && "$(INFRA_VENV)/bin/python" rehearsal.py "$(INFRA_VENV)/bin/cfn-lint" "$(FORMS_BIN)" "$(CMS_AUTH_BIN)"
	cd infra/checks && "$(INFRA_VENV)/bin/python" security_headers.py
	cd infra/checks && "$(INFRA_VENV)/bin/python" directory_index_function.py
	cd infra/checks && "$(INFRA_VENV)/bin/python" checkov_gate.py "$(INFRA_VENV)/bin/checkov"

# The shipped arm64 binary, run as Lambda runs it (qemu-user), on real
# DynamoDB (moto) and SMTP (the sink): the API event through CloudFront,
# the origin check, store and mail, the scheduled sweep and its metric.
infra-smoke: lambda-zip tools-python tools-qemu
	$(WITH_SERVICES) -- $(TEST_PY) infra/checks/lambda_smoke.py "$(LAMBDA_BOOTSTRAP)"

tools-qemu:
	@tools/install-qemu-arm64.sh

infra-check: infra-lint lambda-zip infra-smoke

# ---- deploy (needs AWS credentials; not part of make test)

deploy: deploy-stack deploy-site

# The deployed site names its own address (sitemap, robots.txt).
deploy-stack deploy-site: SITE_URL = $(if $(SITE_DOMAIN),https://$(SITE_DOMAIN))

deploy-stack: tools-deploy infra-lint site
	@test -n "$(MAIL_DOMAIN)" -a -n "$(OPERATOR_EMAIL)" || { echo "Set MAIL_DOMAIN and OPERATOR_EMAIL (infra/deploy.env or the command line)"; exit 1; }
	FORMS_REPO="$(ROOT)" FORMS_BOOTSTRAP="$(LAMBDA_BOOTSTRAP)" CMS_AUTH_BOOTSTRAP="$(CMS_AUTH_BOOTSTRAP)" \
	  $(SAM) build --template-file infra/template.yaml --build-dir .aws-sam/build
	$(SAM) deploy --template-file .aws-sam/build/template.yaml \
	  --stack-name "$(STACK_NAME)" --region "$(AWS_REGION)" --resolve-s3 \
	  --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset --no-confirm-changeset \
	  $(if $(CFN_ROLE_ARN),--role-arn "$(CFN_ROLE_ARN)") \
	  --parameter-overrides \
	    'MailDomain="$(MAIL_DOMAIN)"' 'MailFrom="$(MAIL_FROM)"' 'OperatorEmail="$(OPERATOR_EMAIL)"' \
	    'SiteDomainName="$(SITE_DOMAIN)"' 'CertificateArn="$(CERTIFICATE_ARN)"' \
	    'GitHubRepository="$(GITHUB_REPOSITORY)"' 'GitHubOidcProviderArn="$(OIDC_PROVIDER_ARN)"'

# Upload the built site, drop what was removed, then clear CloudFront's copy.
# The bucket and distribution come from the stack's outputs, or from
# SITE_BUCKET and DISTRIBUTION_ID (the publish workflow's site role may not
# read the stack).
SITE_BUCKET ?=
DISTRIBUTION_ID ?=
STACK_OUTPUT = "$(AWS)" cloudformation describe-stacks --region "$(AWS_REGION)" --stack-name "$(STACK_NAME)" \
	  --query "Stacks[0].Outputs[?OutputKey=='$(1)'].OutputValue" --output text
deploy-site: $(if $(filter $(DEPLOY_VENV)/bin/aws,$(AWS)),tools-deploy) site
	bucket="$(SITE_BUCKET)"; dist="$(DISTRIBUTION_ID)"; \
	if [ -z "$$bucket" ]; then bucket=$$($(call STACK_OUTPUT,SiteBucketName)); fi; \
	if [ -z "$$dist" ]; then dist=$$($(call STACK_OUTPUT,DistributionId)); fi; \
	"$(AWS)" s3 sync site/public "s3://$$bucket/" --region "$(AWS_REGION)" --delete \
	  --cache-control "public, max-age=300"; \
	"$(AWS)" cloudfront create-invalidation --distribution-id "$$dist" --paths "/*" --query Invalidation.Id --output text
