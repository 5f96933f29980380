"""Content cannot deploy the stack (issue 18, item 3), proven on the
deployed template and the publish workflow:

* SitePublishRole allows exactly: list the site bucket, put and delete its
  objects, create and read invalidations of the distribution; nothing
  else on any resource of the stack, nor on "*" (moto's evaluator, every
  action its statements could cover taken from IAM's catalogue);
* StackPublishRole's trust admits only the deploy environment's subject
  (`repo:OWNER/NAME:environment:NAME`), and it can pass StackDeployRole to
  CloudFormation;
* each job of .github/workflows/publish.yml that signs in to AWS gets the
  subject GitHub will give it, and only the job in that environment can
  assume StackPublishRole; the job that runs for content cannot.

Trust conditions are judged here (StringEquals, StringLike; moto's
evaluator skips StringLike); anything else in a trust policy is refused."""

import fnmatch
import re
from pathlib import Path

import yaml

import iam
from resolve import arn
from sam import REPOSITORY, STACK_ID

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "publish.yml"
OIDC = "token.actions.githubusercontent.com"
SITE_ROLE, STACK_ROLE, DEPLOY_ROLE = "SitePublishRole", "StackPublishRole", "StackDeployRole"
# Which repository variable holds which role (template Outputs say the same).
ROLE_VARIABLES = {"AWS_SITE_ROLE_ARN": SITE_ROLE, "AWS_STACK_ROLE_ARN": STACK_ROLE}


def subject(environment=None, ref="refs/heads/main", event="push", repo=REPOSITORY):
    """The `sub` claim GitHub puts in a job's OIDC token."""
    if environment:
        return f"repo:{repo}:environment:{environment}"
    if event == "pull_request":
        return f"repo:{repo}:pull_request"
    return f"repo:{repo}:ref:{ref}"


def _condition_holds(operator, key, expected, claims):
    name = key.split(":", 1)[1] if key.startswith(OIDC + ":") else None
    if name not in claims:
        return False
    values = expected if isinstance(expected, list) else [expected]
    if operator == "StringEquals":
        return claims[name] in values
    if operator == "StringLike":
        return any(fnmatch.fnmatchcase(claims[name], v) for v in values)
    raise ValueError(f"trust condition {operator} is not judged by this check")


def trust_allows(d, role, claims):
    """Would this role's trust policy let a GitHub OIDC token with these
    claims (sub, aud) assume it?"""
    doc = d.properties(role)["AssumeRolePolicyDocument"]
    provider = arn("iam", f"oidc-provider/{OIDC}", region="")
    allowed = False
    for s in doc["Statement"]:
        actions = s.get("Action", [])
        if not any(fnmatch.fnmatchcase("sts:assumerolewithwebidentity", a.lower())
                   for a in ([actions] if isinstance(actions, str) else actions)):
            continue
        if s.get("Principal", {}).get("Federated") != provider:
            continue
        holds = all(_condition_holds(op, key, value, claims)
                    for op, pairs in s.get("Condition", {}).items() for key, value in pairs.items())
        if holds and s["Effect"] == "Deny":
            return False
        allowed = allowed or holds
    return allowed


def check_site_role(d):
    problems = []
    bucket = d.resource("SiteBucket").arn
    distribution = d.resource("SiteDistribution").arn
    expected = {
        ("s3:listbucket", bucket),
        ("s3:putobject", f"{bucket}/index.html"),
        ("s3:deleteobject", f"{bucket}/index.html"),
        ("cloudfront:createinvalidation", distribution),
        ("cloudfront:getinvalidation", distribution),
    }
    policies = iam.Policies([p["PolicyDocument"] for p in d.properties(SITE_ROLE).get("Policies", [])])
    for action, target in sorted(expected):
        if not policies.allows(action, target):
            problems.append(f"{SITE_ROLE} must allow {action} on {target}")
    # Everything the statements could grant, tried on every resource of
    # the stack, on "*", and on a bucket and distribution not ours.
    probes = {"*", "arn:aws:s3:::another-bucket", "arn:aws:s3:::another-bucket/index.html",
              arn("cloudfront", "distribution/EOTHER0000000", region=""), STACK_ID}
    for name in d.resources:
        made = d.resource(name)
        probes.update([made.arn, f"{made.arn}/index.html", *made.create_arns])
    candidates = {a for p in policies.action_patterns() for a in iam.expand(p)}
    for action in sorted(candidates):
        for target in sorted(probes):
            if policies.allows(action, target) and (action, target) not in expected:
                problems.append(f"{SITE_ROLE} allows {action} on {target}: it may only publish the site")
    return problems


def check_stack_role(d, environment):
    problems = []
    owner, name = REPOSITORY.split("/")
    allowed = [subject(environment), f"repo:{owner}@1234/{name}@5678:environment:{environment}"]
    refused = [subject(), subject(ref="refs/heads/feature"), subject(event="pull_request"),
               subject(ref="refs/tags/published-stack"), subject(environment="github-pages"),
               subject(environment=environment + "-x"), subject(environment, repo=f"{owner}/{name}-fork"),
               subject(environment, repo=f"someone-else/{name}"), f"repo:{REPOSITORY}:environment:{environment}:x"]
    for sub in allowed:
        if not trust_allows(d, STACK_ROLE, {"sub": sub, "aud": "sts.amazonaws.com"}):
            problems.append(f"{STACK_ROLE} must trust {sub}")
    if trust_allows(d, STACK_ROLE, {"sub": allowed[0], "aud": "another-audience"}):
        problems.append(f"{STACK_ROLE} trusts a token for another audience")
    for sub in refused:
        if trust_allows(d, STACK_ROLE, {"sub": sub, "aud": "sts.amazonaws.com"}):
            problems.append(f"{STACK_ROLE} trusts {sub}: only the environment {environment} may deploy the stack")
    policies = iam.Policies([p["PolicyDocument"] for p in d.properties(STACK_ROLE).get("Policies", [])])
    deploy_role = d.resource(DEPLOY_ROLE).arn
    for action, target in [("iam:PassRole", deploy_role), ("cloudformation:CreateChangeSet", STACK_ID),
                           ("cloudformation:ExecuteChangeSet", STACK_ID)]:
        if not policies.allows(action, target):
            problems.append(f"{STACK_ROLE} must allow {action} on {target} (what `sam deploy --role-arn` does)")
    for name in d.of_type("AWS::Lambda::Function") + d.of_type("AWS::DynamoDB::Table"):
        if policies.allows("lambda:UpdateFunctionCode", d.resource(name).arn) or \
                policies.allows("dynamodb:Scan", d.resource(name).arn):
            problems.append(f"{STACK_ROLE} reaches {name} itself: only CloudFormation (StackDeployRole) may")
    return problems


def workflow_jobs(path=WORKFLOW):
    """{job: (environment, role variable, runs the stack deploy)} for the
    jobs that sign in to AWS."""
    jobs = {}
    for name, job in yaml.safe_load(path.read_text())["jobs"].items():
        steps = job.get("steps", [])
        creds = [s for s in steps if str(s.get("uses", "")).startswith("aws-actions/configure-aws-credentials")]
        if not creds:
            continue
        env = job.get("environment")
        env = env.get("name") if isinstance(env, dict) else env
        role = re.fullmatch(r"\$\{\{\s*vars\.(\w+)\s*\}\}", str(creds[0]["with"]["role-to-assume"]))
        deploys = any("make deploy-stack" in str(s.get("run", "")) for s in steps)
        jobs[name] = (env, role.group(1) if role else creds[0]["with"]["role-to-assume"], deploys)
    return jobs


def check_workflow(d, environment, path=WORKFLOW):
    problems = []
    jobs = workflow_jobs(path)
    for job, (env, variable, deploys) in sorted(jobs.items()):
        role = ROLE_VARIABLES.get(variable)
        if role is None:
            problems.append(f"job {job} assumes ${{{{ vars.{variable} }}}}, which is none of {sorted(ROLE_VARIABLES)}")
            continue
        sub = subject(env)
        if not trust_allows(d, role, {"sub": sub, "aud": "sts.amazonaws.com"}):
            problems.append(f"job {job} (subject {sub}) cannot assume {role}, which it uses")
        if env != environment and trust_allows(d, STACK_ROLE, {"sub": sub, "aud": "sts.amazonaws.com"}):
            problems.append(f"job {job} runs without the environment {environment} but could assume {STACK_ROLE}")
        if deploys and (env != environment or role != STACK_ROLE):
            problems.append(f"job {job} deploys the stack outside the environment {environment}")
    if not any(env == environment and deploys for env, _, deploys in jobs.values()):
        problems.append(f"no job deploys the stack in the environment {environment}")
    if not any(ROLE_VARIABLES.get(v) == SITE_ROLE and env is None for env, v, _ in jobs.values()):
        problems.append(f"no job publishes the site with {SITE_ROLE}")
    return problems


def check(d, path=WORKFLOW):
    if SITE_ROLE not in d.resources:
        return []
    environment = d.params["GitHubDeployEnvironment"]
    return check_site_role(d) + check_stack_role(d, environment) + check_workflow(d, environment, path)

