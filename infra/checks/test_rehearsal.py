"""The stack rehearsal's checks fail when they should: each test breaks the
real template (or the workflow) in one way a person could, and expects the
check to name the action and the ARN, or the rule, that is wrong."""

import copy
import json
import logging
import sys
import tempfile
import unittest
from pathlib import Path

import permissions
import publishing
import rehearsal
import sam
import template
from resolve import Deployed, Unresolvable

logging.disable(logging.WARNING)

FORMS_CONTRACT = {"aws_calls": [
    {"action": "dynamodb:PutItem", "resource": {"table": "FORMS_TABLE"}, "by": "lambda"},
    {"action": "dynamodb:Query", "resource": {"table": "FORMS_TABLE", "index": "pending-by-due"}, "by": "lambda"},
    {"action": "secretsmanager:GetSecretValue", "resource": {"secret": "PICKUP_KEY_SECRET_ID"}, "by": "lambda"},
    {"action": "ses:SendEmail", "resource": {"ses_identity_of": "MAIL_FROM"}, "by": "lambda"},
    {"action": "ses:SendEmail", "resource": {"ses_configuration_set_of": "MAIL_FROM"}, "by": "lambda"},
    {"action": "dynamodb:Scan", "resource": {"table": "FORMS_TABLE"}, "by": "operator"},
]}
CONTRACTS = {"forms": FORMS_CONTRACT, "cms-auth": {"aws_calls": [
    {"action": "secretsmanager:GetSecretValue", "resource": {"secret": "CMS_KEY_SECRET_ID"}, "by": "lambda"}]}}
BINARIES = {"FormsFunction": "forms", "CmsAuthFunction": "cms-auth"}
TABLE = f"arn:aws:dynamodb:{sam.REGION}:{sam.ACCOUNT}:table/{sam.STACK}-SubmissionsTable-1A2B3C4D5E6F"


def statements(t, role, policy=0):
    return t["Resources"][role]["Properties"]["Policies"][policy]["PolicyDocument"]["Statement"]


class Rehearsal(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.source = template.load()
        cls.values = sam.PARAMETER_SETS["publishing"]
        cls.params = sam.parameters(cls.values, cls.source)
        cls.transformed = sam.transform(cls.source, cls.values)

    def deployed(self, change=None):
        t = copy.deepcopy(self.transformed)
        if change:
            change(t)
        return Deployed(t, self.params)

    # ---- the real template passes (the tests below are not vacuous)

    def test_the_template_as_it_is_passes_every_check(self):
        d = self.deployed()
        self.assertEqual(permissions.check_deploy_role(d), [])
        self.assertEqual(permissions.check_functions(d, CONTRACTS, BINARIES)[0], [])
        self.assertEqual(publishing.check(d), [])

    # ---- item 1: SAM's transform refuses what CloudFormation would

    def test_omit_name_with_name_on_the_schedule_is_refused_by_the_transform(self):
        t = copy.deepcopy(self.source)
        t["Resources"]["FormsFunction"]["Properties"]["Events"]["Sweep"]["Properties"]["OmitName"] = True
        with self.assertRaisesRegex(ValueError, "OmitName"):
            sam.transform(t, self.values)

    def test_cfn_lint_checks_what_sam_generates(self):
        t = copy.deepcopy(self.transformed)
        t["Resources"]["FormsFunctionSweep"]["Properties"]["FlexibleTimeWindow"]["Mode"] = "SOMETIMES"
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "broken.json"
            path.write_text(json.dumps(t))
            problems = rehearsal.lint(Path(sys.executable).with_name("cfn-lint"), [path])
        self.assertTrue(problems and "SOMETIMES" in problems[0], problems)

    def test_a_parameter_outside_its_pattern_is_refused(self):
        with self.assertRaisesRegex(ValueError, "GitHubRepository"):
            sam.parameters(dict(self.values, GitHubRepository="not a repository"), self.source)

    def test_own_domain_without_certificate_breaks_the_rule(self):
        values = dict(self.values, SiteDomainName="www.example.org")
        d = Deployed(sam.transform(self.source, values), sam.parameters(values, self.source))
        self.assertTrue(any("OwnDomainNeedsCertificate" in r for r in d.broken_rules()))

    # ---- item 2: CloudFormation's role, per resource

    def test_the_sweep_schedule_named_by_sam_is_outside_the_deploy_role(self):
        """The fault found by hand: SAM names the schedule FormsFunctionSweep."""
        t = copy.deepcopy(self.source)
        del t["Resources"]["FormsFunction"]["Properties"]["Events"]["Sweep"]["Properties"]["Name"]
        d = Deployed(sam.transform(t, self.values), self.params)
        problems = permissions.check_deploy_role(d)
        schedule = f"arn:aws:scheduler:{sam.REGION}:{sam.ACCOUNT}:schedule/default/FormsFunctionSweep"
        self.assertIn(f"StackDeployRole does not allow scheduler:CreateSchedule on {schedule} "
                      "(AWS::Scheduler::Schedule FormsFunctionSweep, create handler)", problems)

    def test_a_deploy_role_without_its_table_statement_names_action_and_arn(self):
        def drop(t):
            st = statements(t, "StackDeployRole")
            st[:] = [s for s in st if s.get("Sid") != "Table"]
        problems = permissions.check_deploy_role(self.deployed(drop))
        self.assertIn(f"StackDeployRole does not allow dynamodb:CreateTable on {TABLE} "
                      "(AWS::DynamoDB::Table SubmissionsTable, create handler)", problems)

    def test_an_explicit_deny_wins(self):
        def deny(t):
            statements(t, "StackDeployRole").append(
                {"Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": "*"})
        problems = permissions.check_deploy_role(self.deployed(deny))
        self.assertIn(f"StackDeployRole does not allow dynamodb:DeleteTable on {TABLE} "
                      "(AWS::DynamoDB::Table SubmissionsTable, delete handler)", problems)

    def test_a_feature_that_needs_another_service_is_required_once_used(self):
        def vpc(t):
            t["Resources"]["FormsFunction"]["Properties"]["VpcConfig"] = {"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]}
        problems = permissions.check_deploy_role(self.deployed(vpc))
        self.assertTrue(any("ec2:DescribeSubnets on *" in p and "for VpcConfig" in p for p in problems), problems)

    def test_a_resource_type_without_an_arn_rule_stops_the_check(self):
        def queue(t):
            t["Resources"]["Queue"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
        with self.assertRaisesRegex(Unresolvable, "AWS::SQS::Queue"):
            self.deployed(queue)

    # ---- item 2: each function's role against its binary's calls

    def test_a_function_role_without_the_index_query_names_it(self):
        def narrow(t):
            for s in statements(t, "FormsFunctionRole"):
                if s.get("Sid") == "Submissions":
                    s["Resource"] = [s["Resource"][0]]
        problems, _ = permissions.check_functions(self.deployed(narrow), CONTRACTS, BINARIES)
        self.assertIn(f"FormsFunctionRole (FormsFunction) does not allow dynamodb:Query on {TABLE}/index/pending-by-due, "
                      "which `forms` calls", problems)

    def test_a_function_role_that_may_scan_is_refused(self):
        def widen(t):
            statements(t, "FormsFunctionRole").append({"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"})
        problems, _ = permissions.check_functions(self.deployed(widen), CONTRACTS, BINARIES)
        self.assertTrue(any("allows dynamodb:Scan" in p for p in problems), problems)

    def test_a_function_without_the_variable_naming_its_secret_is_reported(self):
        def unset(t):
            del t["Resources"]["CmsAuthFunction"]["Properties"]["Environment"]["Variables"]["CMS_KEY_SECRET_ID"]
        problems, _ = permissions.check_functions(self.deployed(unset), CONTRACTS, BINARIES)
        self.assertTrue(any("CmsAuthFunction does not set CMS_KEY_SECRET_ID" in p for p in problems), problems)

    def test_functions_map_to_binaries_through_the_sam_build_makefile(self):
        self.assertEqual(permissions.function_binaries(template.INFRA / "lambda" / "Makefile"), BINARIES)

    # ---- item 3: content cannot deploy the stack

    def test_a_site_role_that_can_read_the_stack_is_refused(self):
        def more(t):
            statements(t, "SitePublishRole").append(
                {"Effect": "Allow", "Action": "cloudformation:DescribeStacks", "Resource": "*"})
        problems = publishing.check(self.deployed(more))
        self.assertTrue(any("SitePublishRole allows cloudformation:describestacks on *" in p for p in problems), problems)

    def test_a_site_role_with_s3_wildcard_is_refused(self):
        def wild(t):
            for s in statements(t, "SitePublishRole"):
                if s.get("Sid") == "WriteSite":
                    s["Action"] = "s3:*"
        problems = publishing.check(self.deployed(wild))
        self.assertTrue(any("SitePublishRole allows s3:getobject on" in p for p in problems), problems)

    def test_a_stack_role_trusting_the_main_branch_is_refused(self):
        def trust_main(t):
            cond = t["Resources"]["StackPublishRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
            cond["StringLike"]["token.actions.githubusercontent.com:sub"] = f"repo:{sam.REPOSITORY}:*"
        problems = publishing.check(self.deployed(trust_main))
        self.assertIn(f"StackPublishRole trusts repo:{sam.REPOSITORY}:ref:refs/heads/main: only the environment "
                      "aws-stack may deploy the stack", problems)
        self.assertTrue(any("job site runs without the environment" in p for p in problems), problems)

    def test_the_content_job_cannot_assume_the_stack_role(self):
        d = self.deployed()
        self.assertFalse(publishing.trust_allows(d, "StackPublishRole", {"sub": publishing.subject(), "aud": "sts.amazonaws.com"}))
        self.assertTrue(publishing.trust_allows(d, "SitePublishRole", {"sub": publishing.subject(), "aud": "sts.amazonaws.com"}))
        self.assertTrue(publishing.trust_allows(d, "StackPublishRole",
                                                {"sub": publishing.subject("aws-stack"), "aud": "sts.amazonaws.com"}))

    def test_a_workflow_whose_site_job_deploys_the_stack_is_refused(self):
        text = publishing.WORKFLOW.read_text().replace(
            "make deploy-site AWS=aws", "make deploy-stack && make deploy-site AWS=aws")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "publish.yml"
            path.write_text(text)
            problems = publishing.check(self.deployed(), path)
        self.assertIn("job site deploys the stack outside the environment aws-stack", problems)

    def test_a_stack_job_without_its_environment_cannot_sign_in(self):
        text = publishing.WORKFLOW.read_text().replace("    environment: aws-stack\n", "")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "publish.yml"
            path.write_text(text)
            problems = publishing.check(self.deployed(), path)
        self.assertIn(f"job stack (subject repo:{sam.REPOSITORY}:ref:refs/heads/main) cannot assume StackPublishRole, "
                      "which it uses", problems)


if __name__ == "__main__":
    unittest.main()
