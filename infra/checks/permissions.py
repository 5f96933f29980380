"""Every permission of the deployed stack, proven offline.

1. CloudFormation's service role (StackDeployRole: the role trusted by
   cloudformation.amazonaws.com) allows, for every resource of the
   transformed template, the create, update and delete handler permissions
   of its type (the provider schemas cfn-lint ships) on the ARN the
   resource really gets.
2. Every function's role allows each AWS call its binary lists in its
   contract (`forms contract`, `cms-auth contract`: "aws_calls") on the
   template's resources, allows none of the calls the binary leaves to the
   operator, and lets the Lambda runtime write the function's log group.

moto's IAM evaluator decides each (action, ARN); see iam.py."""

import re
from pathlib import Path

from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

import iam
from resolve import arn
from sam import REGION

HANDLERS = ("create", "update", "delete")
SERVICE_OF_TYPE = {"ApiGatewayV2": "apigateway"}

# Handler permissions that act on another resource, or on "*", and are
# only needed when the resource uses a feature: the property that turns it
# on. Present, the permission is required on the ARNs that property names
# (or on "*" when it names none); absent, it is not needed. A permission
# outside its resource's own service that is not listed here fails the
# check until someone decides which property needs it.
WHEN = {
    "AWS::ApiGatewayV2::Api": {"s3:getobject": "BodyS3Location"},
    "AWS::ApiGatewayV2::Integration": {"iam:passrole": "CredentialsArn"},
    "AWS::DynamoDB::Table": {
        "iam:createservicelinkedrole": "Replicas",
        "kinesis:*": "KinesisStreamSpecification",
        # The AWS managed key (SSEType KMS, no key id) needs no grant from
        # the caller: its key policy lets DynamoDB use it for the account.
        "kms:*": "SSESpecification.KMSMasterKeyId",
        "logs:*": "ImportSourceSpecification",
        "s3:*": "ImportSourceSpecification",
        "dynamodb:importtable": "ImportSourceSpecification",
        "dynamodb:describeimport": "ImportSourceSpecification",
        "dynamodb:createtablereplica": "Replicas",
        "dynamodb:associatetablereplica": "Replicas",
    },
    "AWS::Lambda::Function": {
        "iam:passrole": "Role",
        "s3:*": "Code.S3Bucket",
        "ec2:*": "VpcConfig",
        "elasticfilesystem:*": "FileSystemConfigs",
        "s3files:*": "FileSystemConfigs",
        "kms:*": "KmsKeyArn",
        "lambda:getlayerversion": "Layers",
        "lambda:getcodesigningconfig": "CodeSigningConfigArn",
        "lambda:passcapacityprovider": "CapacityProviderConfig",
    },
    "AWS::Logs::LogGroup": {
        "firehose:*": "DeliveryStream",
        "s3:*": "DeliveryDestination",
        # Account-wide writes, only for a group that sets these.
        "logs:*resourcepolicy": "ResourcePolicyDocument",
        "logs:*indexpolicy": "FieldIndexPolicies",
    },
    "AWS::S3::Bucket": {
        "iam:passrole": "ReplicationConfiguration.Role",
        "s3tables:*": "MetadataTableConfiguration",
    },
    "AWS::Scheduler::Schedule": {"iam:passrole": "Target.RoleArn"},
    # SES passes a role only to deliver to Firehose.
    "AWS::SES::ConfigurationSetEventDestination": {"iam:passrole": "EventDestination.KinesisFirehoseDestination.IAMRoleARN"},
    "AWS::SNS::Subscription": {"iam:*": "SubscriptionRoleArn"},
    "AWS::SNS::Topic": {"iam:*": "DeliveryStatusLogging"},
    "AWS::CloudFront::Distribution": {
        "cloudfront:*connectiongroup": "ConnectionGroupId",
        "cloudfront:getvpcorigin": "DistributionConfig.Origins.VpcOriginConfig",
        "cloudfront:updatedistributionwithstagingconfig": "DistributionConfig.Staging",
    },
}

# The Lambda runtime (not the binary) writes the function's log.
RUNTIME_CALLS = ("logs:CreateLogStream", "logs:PutLogEvents")


def own_service(kind):
    part = kind.split("::")[1]
    return SERVICE_OF_TYPE.get(part, part.lower())


def handler_permissions(kind):
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(REGION, kind).schema
    out = {}
    for handler in HANDLERS:
        for p in schema.get("handlers", {}).get(handler, {}).get("permissions", []):
            out.setdefault(p, handler)
    return out


def _lookup(props, path):
    """The values at a dotted path (lists are walked), or [] if absent."""
    values = [props]
    for part in path.split("."):
        nxt = []
        for v in values:
            for item in (v if isinstance(v, list) else [v]):
                if isinstance(item, dict) and part in item:
                    nxt.append(item[part])
        values = nxt
    return values


def _arns_in(value):
    if isinstance(value, str):
        return [value] if value.startswith("arn:") else []
    if isinstance(value, list):
        return [a for v in value for a in _arns_in(v)]
    if isinstance(value, dict):
        return [a for v in value.values() for a in _arns_in(v)]
    return []


def _when(kind, action):
    table = WHEN.get(kind, {})
    service = action.split(":")[0]
    for key, prop in table.items():
        if re.fullmatch(key.replace("*", ".*"), action):
            return prop
    return table.get(f"{service}:*")


def deploy_requirements(d, logical):
    """[(action, arn, why)] CloudFormation's role needs for this resource."""
    kind = d.resources[logical]["Type"]
    made, props = d.resource(logical), d.properties(logical)
    needs, problems = [], []
    for permission, handler in sorted(handler_permissions(kind).items()):
        action = permission.lower()
        known, formats = iam.action_info(action)
        if not known:
            continue  # not an IAM action at all (a slip in the provider schema)
        why = f"{kind} {logical}, {handler} handler"
        prop = _when(kind, action)
        if prop is not None:
            found = _lookup(props, prop)
            if not found:
                continue
            targets = [a for v in found for a in _arns_in(v)]
            if prop == "Code.S3Bucket":
                code = props["Code"]
                targets = [f"arn:aws:s3:::{code['S3Bucket']}/{code['S3Key']}"]
            usable = [t for t in targets if not formats or any(re.fullmatch(f, t) for f in formats)]
            for target in usable or ["*"]:
                needs.append((permission, target, f"{why}, for {prop}"))
            continue
        if not formats:
            needs.append((permission, "*", f"{why} (the action takes no resource)"))
            continue
        if action.split(":")[0] != own_service(kind):
            problems.append(f"{why}: {permission} acts outside {own_service(kind)}; say in permissions.py WHEN which property needs it")
            continue
        targets = [made.arn] + (made.create_arns if handler == "create" else [])
        matching = [t for t in targets if any(re.fullmatch(f, t) for f in formats)]
        if not matching:
            problems.append(f"{why}: {permission} acts on another kind of resource than {made.arn}; "
                            f"say in permissions.py WHEN which property needs it")
        for target in matching:
            needs.append((permission, target, why))
    return needs, problems


def role_documents(d, role_logical):
    props = d.properties(role_logical)
    docs = [p["PolicyDocument"] for p in props.get("Policies", [])]
    role_arn = d.resource(role_logical).arn
    for name in d.of_type("AWS::IAM::Policy") + d.of_type("AWS::IAM::ManagedPolicy"):
        p = d.properties(name)
        if role_logical in p.get("Roles", []) or d.resource(role_logical).ref in p.get("Roles", []):
            docs.append(p["PolicyDocument"])
    for managed in props.get("ManagedPolicyArns", []):
        owner = d.by_arn(managed)
        if owner is None:
            raise ValueError(f"{role_logical} ({role_arn}) uses the managed policy {managed}, whose content this check "
                             "cannot see: write its statements inline")
        docs.append(d.properties(owner)["PolicyDocument"])
    return docs


def trusted_service_roles(d, service):
    out = []
    for name in d.of_type("AWS::IAM::Role"):
        for s in d.properties(name)["AssumeRolePolicyDocument"]["Statement"]:
            principals = s.get("Principal", {}).get("Service", [])
            if s["Effect"] == "Allow" and service in ([principals] if isinstance(principals, str) else principals):
                out.append(name)
    return out


def check_deploy_role(d):
    """Problems, each naming the action and the ARN, for every
    CloudFormation service role of the stack."""
    problems = []
    for role in trusted_service_roles(d, "cloudformation.amazonaws.com"):
        policies = iam.Policies(role_documents(d, role))
        for logical in sorted(d.resources):
            needs, unclassified = deploy_requirements(d, logical)
            problems += unclassified
            for action, target, why in needs:
                if not policies.allows(action, target):
                    problems.append(f"{role} does not allow {action} on {target} ({why})")
    return problems


# ---- functions against their binaries' contracts

def function_binaries(makefile):
    """{function logical id: binary} from infra/lambda/Makefile, which
    `sam build` runs: `build-X` calls `make lambda-build` (forms) or
    `make lambda-build-NAME` (NAME)."""
    out = {}
    for target, body in re.findall(r"^build-(\w+):\n((?:\t.*\n)+)", Path(makefile).read_text(), re.M):
        m = re.search(r"\blambda-build(?:-([\w-]+))?\b", body)
        if m:
            out[target] = m.group(1) or "forms"
    return out


def _domain(address):
    m = re.search(r"@([^>\s]+)>?\s*$", address)
    return m.group(1) if m else None


def call_targets(d, fn, env, resource):
    """The ARNs one contract call acts on, and problems resolving them."""
    var = next(iter(v for k, v in resource.items() if k != "index"))
    if var not in env:
        return [], [f"{fn} does not set {var}, which names the resource of {resource}"]
    value = env[var]
    if "table" in resource:
        target = arn("dynamodb", f"table/{value}")
        return [target + (f"/index/{resource['index']}" if "index" in resource else "")], []
    if "secret" in resource:
        return [value if value.startswith("arn:") else arn("secretsmanager", f"secret:{value}-AbCdEf")], []
    domain = _domain(value)
    identities = [n for n in d.of_type("AWS::SES::EmailIdentity") if d.properties(n)["EmailIdentity"] in (domain, value)]
    if not identities:
        return [], [f"{fn}: no SES identity in the stack for {var}={value!r}; SES refuses to send from it"]
    if "ses_identity_of" in resource:
        return [d.resource(identities[0]).arn], []
    if "ses_configuration_set_of" in resource:
        name = d.properties(identities[0]).get("ConfigurationSetAttributes", {}).get("ConfigurationSetName")
        return ([arn("ses", f"configuration-set/{name}")] if name else []), []
    return [], [f"{fn}: the contract names a resource this check does not know: {resource}"]


def check_functions(d, contracts, binaries):
    problems, proven = [], 0
    for fn in sorted(d.of_type("AWS::Lambda::Function")):
        binary = binaries.get(fn)
        if binary not in contracts:
            problems.append(f"{fn}: no binary's contract for it (infra/lambda/Makefile build-{fn} names none)")
            continue
        props = d.properties(fn)
        role = d.by_arn(props["Role"])
        if role is None:
            problems.append(f"{fn}: its role {props['Role']} is not in the stack")
            continue
        policies = iam.Policies(role_documents(d, role))
        env = props.get("Environment", {}).get("Variables", {})
        for call in contracts[binary].get("aws_calls", []):
            targets, unresolved = call_targets(d, fn, env, call["resource"])
            problems += unresolved
            for target in targets:
                allowed = policies.allows(call["action"], target)
                if call["by"] == "lambda" and not allowed:
                    problems.append(f"{role} ({fn}) does not allow {call['action']} on {target}, which `{binary}` calls")
                elif call["by"] != "lambda" and allowed:
                    problems.append(f"{role} ({fn}) allows {call['action']} on {target}, which only the operator "
                                    f"runs (`{binary}` admin command): remove it")
                proven += 1
        group = props.get("LoggingConfig", {}).get("LogGroup", f"/aws/lambda/{d.resource(fn).ref}")
        stream = arn("logs", f"log-group:{group}:log-stream:2025/01/01/[$LATEST]0123456789abcdef")
        for action in RUNTIME_CALLS:
            if not policies.allows(action, stream):
                problems.append(f"{role} ({fn}) does not allow {action} on {stream} (the Lambda runtime writes the log)")
            proven += 1
    return problems, proven
