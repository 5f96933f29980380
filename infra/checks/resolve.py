"""A transformed template as CloudFormation would deploy it, for one
parameter set: conditions decided, intrinsic functions (Ref, GetAtt, Sub,
Join, Select, Split, If) resolved, and each resource's real name and ARN,
as given in the template or as CloudFormation (or the service) makes it.

Names CloudFormation generates are `{stack}-{logical id}-{random}` (lower
case for buckets); ids services make (CloudFront, API Gateway) are made up
here. A resource type without a rule in ARNS stops the check: add one."""

import re

from sam import ACCOUNT, PARTITION, REGION, STACK, STACK_ID

RANDOM = "1A2B3C4D5E6F"
NO_VALUE = object()


def generated(logical, limit, lower=False):
    """CloudFormation's name for a resource whose name the template leaves
    open: the stack name, the logical id (shortened to fit) and a suffix."""
    room = limit - len(STACK) - len(RANDOM) - 2
    name = f"{STACK}-{logical[:max(room, 1)]}-{RANDOM}"
    return name.lower() if lower else name


def made_id(logical, prefix="E", length=14):
    """A service-made id (CloudFront's E..., API Gateway's 10 characters)."""
    return (prefix + re.sub(r"[^A-Z0-9]", "", logical.upper()) + "0" * length)[:length]


def arn(service, resource, region=REGION, account=ACCOUNT):
    return f"arn:{PARTITION}:{service}:{region}:{account}:{resource}"


class Resource:
    """One resource: `ref` (what Ref gives), `arn` (what IAM sees for it),
    `attrs` (GetAtt), and `create_arns`: where a create call goes when that
    is not the resource itself (API Gateway's collections)."""

    def __init__(self, ref, arn_, attrs=None, create_arns=()):
        self.ref, self.arn, self.attrs, self.create_arns = ref, arn_, dict(attrs or {}), list(create_arns)
        self.attrs.setdefault("Arn", arn_)


def _s3_bucket(logical, p, s):
    name = p.get("BucketName") or generated(logical, 63, lower=True)
    return Resource(name, f"arn:{PARTITION}:s3:::{name}",
                    {"RegionalDomainName": f"{name}.s3.{REGION}.amazonaws.com", "DomainName": f"{name}.s3.amazonaws.com"})


def _bucket_policy(logical, p, s):
    return Resource(logical, f"arn:{PARTITION}:s3:::{p['Bucket']}")


def _cloudfront(kind):
    def make(logical, p, s):
        ident = made_id(logical)
        return Resource(ident, arn("cloudfront", f"{kind}/{ident}", region=""), {"Id": ident})
    return make


def _distribution(logical, p, s):
    ident = made_id(logical)
    return Resource(ident, arn("cloudfront", f"distribution/{ident}", region=""),
                    {"Id": ident, "DomainName": f"d{ident.lower()[1:]}.cloudfront.net"})


def _cloudfront_function(logical, p, s):
    a = arn("cloudfront", f"function/{p['Name']}", region="")
    return Resource(a, a, {"FunctionARN": a, "Stage": "LIVE"})


def _api(logical, p, s):
    ident = made_id(logical, prefix="a", length=10).lower()
    apis = f"arn:{PARTITION}:apigateway:{REGION}::/apis"
    return Resource(ident, f"{apis}/{ident}", {"ApiId": ident, "ApiEndpoint": f"https://{ident}.execute-api.{REGION}.amazonaws.com"},
                    create_arns=[apis])


def _api_part(collection):
    def make(logical, p, s):
        ident = made_id(logical, prefix="i", length=7).lower()
        parent = f"arn:{PARTITION}:apigateway:{REGION}::/apis/{p['ApiId']}/{collection}"
        name = p["StageName"] if collection == "stages" else ident
        return Resource(name, f"{parent}/{name}", create_arns=[parent])
    return make


def _log_group(logical, p, s):
    name = p.get("LogGroupName") or generated(logical, 512)
    return Resource(name, arn("logs", f"log-group:{name}"), {"Arn": arn("logs", f"log-group:{name}:*")})


def _function(logical, p, s):
    name = p.get("FunctionName") or generated(logical, 64)
    return Resource(name, arn("lambda", f"function:{name}"))


def _function_arn(name):
    return name if str(name).startswith("arn:") else arn("lambda", f"function:{name}")


def _permission(logical, p, s):
    return Resource(f"{STACK}-{logical}-{RANDOM}", _function_arn(p["FunctionName"]))


def _role(logical, p, s):
    name = p.get("RoleName") or generated(logical, 64)
    path = p.get("Path", "/")
    a = arn("iam", f"role{path}{name}", region="")
    return Resource(name, a, {"RoleId": "AROA" + made_id(logical, "", 17)})


def _oidc_provider(logical, p, s):
    a = arn("iam", "oidc-provider/" + re.sub(r"^https://", "", p["Url"]), region="")
    return Resource(a, a)


def _secret(logical, p, s):
    name = p.get("Name") or f"{logical}-{RANDOM}"
    a = arn("secretsmanager", f"secret:{name}-AbCdEf")
    return Resource(a, a, {"Id": a})


def _table(logical, p, s):
    name = p.get("TableName") or generated(logical, 255)
    a = arn("dynamodb", f"table/{name}")
    return Resource(name, a, {"StreamArn": f"{a}/stream/2024-01-01T00:00:00.000"})


def _configuration_set(logical, p, s):
    name = p.get("Name") or generated(logical, 64)
    return Resource(name, arn("ses", f"configuration-set/{name}"))


def _email_identity(logical, p, s):
    name = p["EmailIdentity"]
    attrs = {}
    for i in (1, 2, 3):
        attrs[f"DkimDNSTokenName{i}"] = f"token{i}._domainkey.{name}"
        attrs[f"DkimDNSTokenValue{i}"] = f"token{i}.dkim.amazonses.com"
    return Resource(name, arn("ses", f"identity/{name}"), attrs)


def _topic(logical, p, s):
    name = p.get("TopicName") or generated(logical, 256)
    a = arn("sns", name)
    return Resource(a, a, {"TopicName": name, "TopicArn": a})


def _subscription(logical, p, s):
    # Subscribing is an action on the topic.
    return Resource(f"{p['TopicArn']}:0a1b2c3d", p["TopicArn"])


def _alarm(logical, p, s):
    name = p.get("AlarmName") or generated(logical, 255)
    return Resource(name, arn("cloudwatch", f"alarm:{name}"))


def _schedule(logical, p, s):
    name = p.get("Name") or generated(logical, 64)
    return Resource(name, arn("scheduler", f"schedule/{p.get('GroupName', 'default')}/{name}"))


def _event_destination(logical, p, s):
    return Resource(f"{logical}-{RANDOM}", arn("ses", f"configuration-set/{p['ConfigurationSetName']}"))


def _topic_policy(logical, p, s):
    return Resource(f"{logical}-{RANDOM}", p["Topics"][0])


def _event_rule(logical, p, s):
    name = p.get("Name") or generated(logical, 64)
    bus = p.get("EventBusName", "default")
    return Resource(name, arn("events", f"rule/{name}" if bus == "default" else f"rule/{bus}/{name}"))


ARNS = {
    "AWS::S3::Bucket": _s3_bucket,
    "AWS::S3::BucketPolicy": _bucket_policy,
    "AWS::CloudFront::OriginAccessControl": _cloudfront("origin-access-control"),
    "AWS::CloudFront::ResponseHeadersPolicy": _cloudfront("response-headers-policy"),
    "AWS::CloudFront::OriginRequestPolicy": _cloudfront("origin-request-policy"),
    "AWS::CloudFront::CachePolicy": _cloudfront("cache-policy"),
    "AWS::CloudFront::Function": _cloudfront_function,
    "AWS::CloudFront::Distribution": _distribution,
    "AWS::ApiGatewayV2::Api": _api,
    "AWS::ApiGatewayV2::Integration": _api_part("integrations"),
    "AWS::ApiGatewayV2::Route": _api_part("routes"),
    "AWS::ApiGatewayV2::Stage": _api_part("stages"),
    "AWS::Logs::LogGroup": _log_group,
    "AWS::Lambda::Function": _function,
    "AWS::Lambda::Permission": _permission,
    "AWS::IAM::Role": _role,
    "AWS::IAM::OIDCProvider": _oidc_provider,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::DynamoDB::Table": _table,
    "AWS::SES::ConfigurationSet": _configuration_set,
    "AWS::SES::EmailIdentity": _email_identity,
    "AWS::SNS::Topic": _topic,
    "AWS::SNS::Subscription": _subscription,
    "AWS::CloudWatch::Alarm": _alarm,
    "AWS::Scheduler::Schedule": _schedule,
    "AWS::SES::ConfigurationSetEventDestination": _event_destination,
    "AWS::SNS::TopicPolicy": _topic_policy,
    "AWS::Events::Rule": _event_rule,
}


class Unresolvable(Exception):
    pass


class Deployed:
    """The template `t` (transformed) as deployed with `params`."""

    def __init__(self, t, params):
        self.t = t
        self.params = dict(params)
        self.pseudo = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": PARTITION,
                       "AWS::StackName": STACK, "AWS::StackId": STACK_ID, "AWS::URLSuffix": "amazonaws.com",
                       "AWS::NoValue": NO_VALUE}
        self._conditions = {}
        self.resources = {name: r for name, r in t["Resources"].items()
                          if "Condition" not in r or self.condition(r["Condition"])}
        self._made = {}
        unknown = sorted({r["Type"] for r in self.resources.values()} - set(ARNS))
        if unknown:
            raise Unresolvable(f"no name/ARN rule for {', '.join(unknown)}: add one to infra/checks/resolve.py ARNS")

    # ---- conditions and rules

    def condition(self, name):
        if name not in self._conditions:
            self._conditions[name] = bool(self.value(self.t["Conditions"][name]))
        return self._conditions[name]

    def broken_rules(self):
        """The template's Rules that refuse this parameter set."""
        broken = []
        for name, rule in self.t.get("Rules", {}).items():
            if "RuleCondition" in rule and not self.value(rule["RuleCondition"]):
                continue
            for assertion in rule["Assertions"]:
                if not self.value(assertion["Assert"]):
                    broken.append(f"{name}: {assertion.get('AssertDescription', '')}")
        return broken

    # ---- resources

    def resource(self, logical):
        if logical not in self._made:
            r = self.resources.get(logical)
            if r is None:
                raise Unresolvable(f"{logical} is not in the deployed stack")
            props = self.value(r.get("Properties", {}))
            self._made[logical] = ARNS[r["Type"]](logical, props, self)
        return self._made[logical]

    def properties(self, logical):
        return self.value(self.resources[logical].get("Properties", {}))

    def of_type(self, kind):
        return [name for name, r in self.resources.items() if r["Type"] == kind]

    def by_arn(self, arn_):
        for name in self.resources:
            if self.resource(name).arn == arn_:
                return name
        return None

    # ---- intrinsic functions

    def ref(self, name):
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.params:
            return self.params[name]
        return self.resource(name).ref

    def get_att(self, logical, attr):
        made = self.resource(logical)
        if attr not in made.attrs:
            raise Unresolvable(f"GetAtt {logical}.{attr}: add the attribute to its rule in resolve.py")
        return made.attrs[attr]

    def sub(self, text, variables):
        def one(m):
            key = m.group(1)
            if key.startswith("!"):
                return "${" + key[1:] + "}"
            if key in variables:
                return str(variables[key])
            if "." in key:
                return str(self.get_att(*key.split(".", 1)))
            return str(self.ref(key))
        return re.sub(r"\$\{([^}]+)\}", one, text)

    def value(self, v):
        if isinstance(v, list):
            return [x for x in (self.value(i) for i in v) if x is not NO_VALUE]
        if not isinstance(v, dict):
            return v
        if len(v) == 1:
            (fn, arg), = v.items()
            if fn == "Ref":
                return self.ref(arg)
            if fn == "Fn::GetAtt":
                logical, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(logical, attr)
            if fn == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.value(arg[1]))
                return self.sub(text, variables)
            if fn == "Fn::Join":
                return self.value(arg[0]).join(str(x) for x in self.value(arg[1]))
            if fn == "Fn::Select":
                return self.value(arg[1])[int(self.value(arg[0]))]
            if fn == "Fn::Split":
                return self.value(arg[1]).split(self.value(arg[0]))
            if fn == "Fn::If":
                return self.value(arg[1] if self.condition(arg[0]) else arg[2])
            if fn == "Fn::Equals":
                a, b = self.value(arg)
                return str(a) == str(b)
            if fn == "Fn::Not":
                return not self.value(arg[0])
            if fn == "Fn::And":
                return all(self.value(x) for x in arg)
            if fn == "Fn::Or":
                return any(self.value(x) for x in arg)
            if fn == "Fn::Contains":
                return self.value(arg[1]) in self.value(arg[0])
            if fn == "Condition":
                return self.condition(arg)
            if fn.startswith("Fn::"):
                raise Unresolvable(f"{fn} is not resolved by infra/checks/resolve.py")
        return {k: x for k, x in ((k, self.value(x)) for k, x in v.items()) if x is not NO_VALUE}
