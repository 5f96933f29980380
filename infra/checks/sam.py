"""SAM's own transform (the pinned aws-sam-translator), offline, on the
template for each parameter set a real deploy may use.

CloudFormation runs this transform at deploy time; cfn-lint no longer does,
so a template cfn-lint accepts can still be refused there (for example a
schedule with both `OmitName` and `Name`). Running it here refuses it first
and gives the resources SAM generates (the sweep's schedule and its role),
which the permission checks need to see."""

import copy
import json
import os
import re

import template

# A made-up account, region and stack: every ARN the checks build uses them.
ACCOUNT = "111122223333"
REGION = "eu-west-1"
PARTITION = "aws"
STACK = "steun-proef"
STACK_ID = f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT}:stack/{STACK}/0b0e7a40-8d5c-11ef-9f3a-0a1b2c3d4e5f"
REPOSITORY = "voorbeeld-org/steun-voor-gezinnen"
# What `sam deploy --resolve-s3` puts in CodeUri after `sam build`.
ARTIFACT_BUCKET = "aws-sam-cli-managed-default-samclisourcebucket-1a2b3c4d5e6f"

REQUIRED = {
    "MailDomain": "mail.example.org",
    "MailFrom": "Steun voor gezinnen <noreply@mail.example.org>",
    "OperatorEmail": "beheer@example.org",
}

# The ways the README deploys the stack. "minimum" is the required
# parameters alone, which is also the stack without GitHubRepository (no
# publishing roles, no OIDC provider).
PARAMETER_SETS = {
    "minimum": dict(REQUIRED),
    "publishing": dict(REQUIRED, GitHubRepository=REPOSITORY),
    "own-domain": dict(
        REQUIRED,
        GitHubRepository=REPOSITORY,
        SiteDomainName="www.example.org",
        CertificateArn=f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
        ExtraAllowedOrigins="https://steun.example.org",
    ),
    "existing-oidc-provider": dict(
        REQUIRED,
        GitHubRepository=REPOSITORY,
        GitHubOidcProviderArn=f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com",
    ),
}


class ManagedPolicies:
    """The translator looks up AWS managed policies by name (an IAM call)
    when a function names one. Configuration, not a stand-in: the ARN of
    an AWS managed policy is its name under arn:aws:iam::aws:policy/."""

    def load(self):
        return KnownPolicyArns()


class KnownPolicyArns(dict):
    def __missing__(self, name):
        return f"arn:{PARTITION}:iam::aws:policy/{name}"

    def get(self, name, default=None):
        return self[name]

    def __contains__(self, name):
        return isinstance(name, str) and re.fullmatch(r"[\w+=,.@-]+", name) is not None


def parameters(values, t):
    """Every parameter's value for a deploy with `values`: the defaults
    filled in, each checked against the template's own constraints."""
    out = {}
    for name, spec in t["Parameters"].items():
        if name in values:
            value = values[name]
        elif "Default" in spec:
            value = spec["Default"]
        else:
            raise ValueError(f"parameter {name} has no default and no value")
        text = str(value)
        if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], text):
            raise ValueError(f"parameter {name}={text!r} does not match {spec['AllowedPattern']}")
        if "AllowedValues" in spec and value not in spec["AllowedValues"] and text not in map(str, spec["AllowedValues"]):
            raise ValueError(f"parameter {name}={text!r} is not one of {spec['AllowedValues']}")
        if len(text) < spec.get("MinLength", 0):
            raise ValueError(f"parameter {name} is shorter than {spec['MinLength']}")
        out[name] = value
    unknown = set(values) - set(t["Parameters"])
    if unknown:
        raise ValueError(f"no such parameters: {sorted(unknown)}")
    return out


def packaged(t):
    """The template as `sam deploy` hands it over: each function's CodeUri
    an object in SAM's artifact bucket."""
    t = copy.deepcopy(t)
    for name, resource in t["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = f"s3://{ARTIFACT_BUCKET}/{STACK}/{name.lower()}0123456789abcdef"
    return t


def transform(t, values):
    """The CloudFormation template SAM makes of `t` with these parameter
    values. Raises ValueError with SAM's own message when it refuses."""
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.translator.transform import transform as sam_transform

    # The translator asks boto3 for a region even when it is given one.
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    given = dict(parameters(values, t), **{"AWS::Region": REGION, "AWS::Partition": PARTITION,
                                           "AWS::AccountId": ACCOUNT, "AWS::StackName": STACK})
    try:
        out = sam_transform(json.loads(json.dumps(packaged(t))), given, ManagedPolicies())
    except InvalidDocumentException as e:
        raise ValueError("SAM refuses the template: " + "; ".join(str(c) for c in e.causes)) from e
    return out


def transformed_sets(t=None):
    """{set name: (parameter values, transformed template)}."""
    t = template.load() if t is None else t
    return {name: (parameters(values, t), transform(t, values)) for name, values in PARAMETER_SETS.items()}
