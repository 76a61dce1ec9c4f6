"""Tests for grant_intake.py (run by test/integration/python-intake.test.ts).

Against the Lambda Invoke stand-in running the REAL intake handler, DynamoDB Local and the loopback OAuth server.
INTAKE_FIXTURE (JSON) names the function, the endpoints, the table, the org settings and refresh tokens the OAuth
server minted for these tests (one per case; `revoked` is already revoked), and `apps`: the same intake with two
hosted apps declared (alpha owns "alpha-" org ids, beta "beta-"), each invoking its own alias.
"""

import ast
import datetime
import json
import os
import time
import unittest

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from grant_intake import (
    AppUnknown,
    Busy,
    ClientNotGranted,
    GrantIntakeClient,
    IntakeUnavailable,
    InvalidGrant,
    InvalidPayload,
    OrgExists,
    OrgNotFound,
    OrgNotInNamespace,
    RecordInvalid,
    StaleGrant,
    TokenHostNotGranted,
)
from read_token import ReauthRequired, TenantRemoved, TokenReader

FIXTURE = json.loads(os.environ.get("INTAKE_FIXTURE", "{}"))
TOKENS = FIXTURE.get("tokens", {})
APPS = FIXTURE.get("apps", {})


def org(org_id, **over):
    settings = dict(FIXTURE.get("org", {}))
    settings["orgId"] = org_id
    settings.update(over)
    return settings


def reader():
    return TokenReader(FIXTURE["table"], client=boto3.client("dynamodb", endpoint_url=FIXTURE["dynamoDbEndpoint"]))


def all_text(err):
    return "%s %r %s" % (err, err, json.dumps(vars(err), default=str))


class GrantIntakeTest(unittest.TestCase):
    def setUp(self):
        # An explicit endpoint: Debian's boto3 (1.26) predates AWS_ENDPOINT_URL_LAMBDA.
        self.intake = GrantIntakeClient(FIXTURE["functionName"], endpoint_url=FIXTURE["lambdaEndpoint"])

    def test_a_good_grant_is_active_at_once_and_the_reader_sees_its_token(self):
        result = self.intake.submit_grant(org("py-good"), refresh_token=TOKENS["good"], issued_at=time.time())
        self.assertEqual((result.org_id, result.status, result.repeated), ("py-good", "ACTIVE", False))
        self.assertGreater(result.expires_at, time.time())
        self.assertTrue(reader().get_access_token("py-good"))
        self.assertNotIn(TOKENS["good"], repr(result))

    def test_the_same_grant_handed_over_again_is_recognised_not_resent(self):
        issued_at = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
        first = self.intake.submit_grant(org("py-repeat"), refresh_token=TOKENS["repeat"], issued_at=issued_at)
        again = self.intake.submit_grant(org("py-repeat"), refresh_token=TOKENS["repeat"], issued_at=issued_at)
        self.assertFalse(first.repeated)
        self.assertTrue(again.repeated)
        self.assertEqual(again.expires_at, first.expires_at)

    def test_a_revoked_grant_raises_invalid_grant_stored_and_reauthorise_brings_the_org_back(self):
        with self.assertRaises(InvalidGrant) as ctx:
            self.intake.submit_grant(org("py-revoked"), refresh_token=TOKENS["revoked"], issued_at=time.time())
        err = ctx.exception
        self.assertEqual((err.code, err.stored, err.status, err.reason), ("INVALID_GRANT", True, "REAUTH_REQUIRED", "INVALID_GRANT"))
        self.assertNotIn(TOKENS["revoked"], all_text(err))
        status = reader().get_status("py-revoked")
        self.assertTrue(status.needs_reauthorisation)
        self.assertLessEqual(status.since, time.time())
        with self.assertRaises(ReauthRequired):
            reader().get_access_token("py-revoked")

        result = self.intake.reauthorise("py-revoked", refresh_token=TOKENS["fresh"], issued_at=time.time())
        self.assertEqual(result.status, "ACTIVE")
        self.assertEqual(reader().get_status("py-revoked").status, "ACTIVE")

    def test_an_older_grant_after_a_newer_one_raises_stale_grant_and_stores_nothing(self):
        now = time.time()
        self.intake.submit_grant(org("py-stale"), refresh_token=TOKENS["stale_newer"], issued_at=now - 10)
        with self.assertRaises(StaleGrant) as ctx:
            self.intake.reauthorise("py-stale", refresh_token=TOKENS["stale_older"], issued_at=now - 20)
        self.assertFalse(ctx.exception.stored)
        self.assertEqual(ctx.exception.status, "ACTIVE")

    def test_an_existing_org_and_an_unknown_org_raise_their_own_errors(self):
        self.intake.submit_grant(org("py-exists"), refresh_token=TOKENS["exists"], issued_at=time.time())
        with self.assertRaises(OrgExists):
            self.intake.submit_grant(org("py-exists"), refresh_token=TOKENS["exists_again"], issued_at=time.time())
        with self.assertRaises(OrgNotFound):
            self.intake.reauthorise("py-nobody", refresh_token=TOKENS["exists_again"], issued_at=time.time())

    def test_an_org_s_own_client_is_handed_over_beside_the_grant_and_never_echoed(self):
        own = FIXTURE["ownClient"]
        settings = org("py-own", grantType="client_credentials")
        del settings["clientSecretId"]
        result = self.intake.submit_grant(settings, client_id=own["clientId"], client_secret=own["clientSecret"], issued_at=time.time())
        self.assertEqual(result.status, "ACTIVE")
        self.assertTrue(reader().get_access_token("py-own"))
        with self.assertRaises(ValueError):
            self.intake.reauthorise("py-own", client_id=own["clientId"], issued_at=time.time())
        with self.assertRaises(RecordInvalid) as ctx:
            self.intake.submit_grant(org("py-own-2", grantType="client_credentials"), client_id="x", client_secret="y" * 12, issued_at=time.time())
        self.assertNotIn("y" * 12, all_text(ctx.exception))

    def test_bad_input_raises_by_code_naming_the_field_and_never_echoing_the_token(self):
        with self.assertRaises(RecordInvalid) as ctx:
            self.intake.submit_grant(org("py-bad", region="eu-west-1"), refresh_token=TOKENS["unused"], issued_at=time.time())
        self.assertIn("org.region", str(ctx.exception))
        with self.assertRaises(InvalidPayload) as ctx:
            self.intake.submit_grant(org("py-bad"), refresh_token=TOKENS["unused"] + " x", issued_at=time.time())
        self.assertIn("grant.refreshToken", str(ctx.exception))
        self.assertNotIn(TOKENS["unused"], all_text(ctx.exception))
        with self.assertRaises(ValueError):
            self.intake.submit_grant(org("py-bad"), refresh_token="x", issued_at=datetime.datetime.now())

    def test_remove_org_says_what_was_revoked_is_idempotent_and_a_newer_grant_onboards_it_again(self):
        self.intake.submit_grant(org("py-remove"), refresh_token=TOKENS["remove"], issued_at=time.time() - 5)
        removal = self.intake.remove_org("py-remove")
        self.assertEqual((removal.org_id, removal.status, removal.already_removed), ("py-remove", "REMOVED", False))
        self.assertEqual((removal.refresh_token.result, removal.access_token.result), ("REVOKED", "REVOKED"))
        self.assertFalse(removal.secrets_held)
        self.assertLessEqual(removal.removed_at, time.time())
        self.assertNotIn(TOKENS["remove"], repr(removal))
        with self.assertRaises(TenantRemoved):
            reader().get_access_token("py-remove")
        self.assertEqual(reader().get_status("py-remove").reason, "REMOVED_BY_APP")
        again = self.intake.remove_org("py-remove")
        self.assertTrue(again.already_removed)
        self.assertIsNone(again.refresh_token)
        with self.assertRaises(OrgNotFound):
            self.intake.remove_org("py-nobody")
        with self.assertRaises(StaleGrant):
            self.intake.submit_grant(org("py-remove"), refresh_token=TOKENS["remove"], issued_at=time.time())
        result = self.intake.submit_grant(org("py-remove"), refresh_token=TOKENS["reinstall"], issued_at=time.time())
        self.assertEqual(result.status, "ACTIVE")

    def test_a_failed_invocation_raises_intake_unavailable_without_the_payload(self):
        broken = GrantIntakeClient(FIXTURE["brokenFunctionName"], endpoint_url=FIXTURE["lambdaEndpoint"])
        with self.assertRaises(IntakeUnavailable) as ctx:
            broken.submit_grant(org("py-broken"), refresh_token=TOKENS["unused"], issued_at=time.time())
        self.assertNotIn(TOKENS["unused"], all_text(ctx.exception))

    def test_issued_at_is_required_there_is_no_default(self):
        with self.assertRaises(TypeError):
            self.intake.submit_grant(org("py-no-time"), refresh_token=TOKENS["unused"])  # pylint: disable=missing-kwoa
        with self.assertRaises(ValueError) as ctx:
            self.intake.reauthorise("py-no-time", refresh_token=TOKENS["unused"], issued_at=None)
        self.assertIn("issued_at is required", str(ctx.exception))
        self.assertNotIn(TOKENS["unused"], all_text(ctx.exception))

    def test_a_throttled_intake_raises_busy_throttled_and_nothing_is_stored(self):
        quick = boto3.client(
            "lambda",
            endpoint_url=FIXTURE["lambdaEndpoint"],
            config=Config(retries={"max_attempts": 1, "mode": "standard"}),
        )
        throttled = GrantIntakeClient(FIXTURE["throttledFunctionName"], client=quick)
        with self.assertRaises(Busy) as ctx:
            throttled.submit_grant(org("py-throttled"), refresh_token=TOKENS["unused"], issued_at=time.time())
        err = ctx.exception
        self.assertEqual((err.code, err.reason, err.retry_after_seconds, err.stored), ("BUSY", "THROTTLED", 1, False))
        self.assertNotIn(TOKENS["unused"], all_text(err))

    def test_the_default_client_reaches_the_endpoint_in_aws_endpoint_url_lambda(self):
        self.assertEqual(os.environ.get("AWS_ENDPOINT_URL_LAMBDA"), FIXTURE["lambdaEndpoint"])
        result = GrantIntakeClient(FIXTURE["functionName"]).submit_grant(org("py-env"), refresh_token=TOKENS["env"], issued_at=time.time())
        self.assertEqual(result.status, "ACTIVE")


def raw_record(org_id):
    client = boto3.client("dynamodb", endpoint_url=FIXTURE["dynamoDbEndpoint"])
    return client.get_item(TableName=FIXTURE["table"], Key={"orgId": {"S": org_id}}, ConsistentRead=True).get("Item")


@unittest.skipUnless(APPS, "no two-app fixture")
class CrossAppTest(unittest.TestCase):
    """Two hosted apps in one table: every act of one app on the other's orgs, clients or hosts is refused."""

    def setUp(self):
        endpoint = FIXTURE["lambdaEndpoint"]
        self.alpha = GrantIntakeClient(APPS["alpha"], endpoint_url=endpoint)
        self.beta = GrantIntakeClient(APPS["beta"], endpoint_url=endpoint)
        self.unqualified = GrantIntakeClient(APPS["functionName"], endpoint_url=endpoint)

    def test_every_cross_app_act_is_refused_by_code_and_changes_nothing(self):
        started = time.time() - 60
        self.assertEqual(self.alpha.submit_grant(org("alpha-py-1"), refresh_token=TOKENS["alpha"], issued_at=started).status, "ACTIVE")
        before = raw_record("alpha-py-1")
        self.assertEqual(before["app"]["S"], "alpha")
        stolen, now = TOKENS["alpha_stolen"], time.time()
        acts = [
            ("beta re-authorises alpha's org", OrgNotFound,
             lambda: self.beta.reauthorise("alpha-py-1", refresh_token=stolen, issued_at=now)),
            ("beta onboards an org in alpha's namespace", OrgNotInNamespace,
             lambda: self.beta.submit_grant(org("alpha-py-2", clientSecretId=APPS["betaClientSecretId"]), refresh_token=stolen, issued_at=now)),
            ("alpha binds beta's shared client", ClientNotGranted,
             lambda: self.alpha.submit_grant(org("alpha-py-3", clientSecretId=APPS["betaClientSecretId"]), refresh_token=stolen, issued_at=now)),
            ("alpha binds a client granted to no app", ClientNotGranted,
             lambda: self.alpha.submit_grant(org("alpha-py-4", clientSecretId=APPS["ungrantedClientSecretId"]), refresh_token=stolen, issued_at=now)),
            ("alpha sends its client to beta's token host", TokenHostNotGranted,
             lambda: self.alpha.submit_grant(org("alpha-py-5", tokenUrl=APPS["betaOnlyTokenUrl"]), refresh_token=stolen, issued_at=now)),
            ("beta removes alpha's org", OrgNotFound, lambda: self.beta.remove_org("alpha-py-1")),
            ("a call through no app's alias", AppUnknown,
             lambda: self.unqualified.reauthorise("alpha-py-1", refresh_token=stolen, issued_at=now)),
        ]
        for what, error, act in acts:
            with self.subTest(what):
                with self.assertRaises(error) as ctx:
                    act()
                self.assertFalse(ctx.exception.stored)
                self.assertNotIn(stolen, all_text(ctx.exception))
        after = raw_record("alpha-py-1")
        self.assertEqual(after["version"], before["version"])
        self.assertTrue(after["refreshToken"] == before["refreshToken"], "alpha's refresh token was replaced")
        for org_id in ("alpha-py-2", "alpha-py-3", "alpha-py-4", "alpha-py-5"):
            self.assertIsNone(raw_record(org_id))
        with self.assertRaises(ClientError) as ctx:
            GrantIntakeClient(APPS["functionName"] + ":app-gamma", endpoint_url=FIXTURE["lambdaEndpoint"]).reauthorise(
                "alpha-py-1", refresh_token=stolen, issued_at=now
            )
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ResourceNotFoundException")

    def test_another_app_s_org_is_answered_exactly_as_a_missing_org(self):
        now = time.time()
        errors = []
        for org_id in ("alpha-py-1", "alpha-py-ghost"):
            with self.assertRaises(OrgNotFound) as ctx:
                self.beta.reauthorise(org_id, refresh_token=TOKENS["alpha_stolen"], issued_at=now)
            errors.append(all_text(ctx.exception).replace(org_id, "ORG"))
        self.assertEqual(errors[0], errors[1])
        removals = []
        for org_id in ("alpha-py-1", "alpha-py-ghost"):
            with self.assertRaises(OrgNotFound) as ctx:
                self.beta.remove_org(org_id)
            removals.append(all_text(ctx.exception).replace(org_id, "ORG"))
        self.assertEqual(removals[0], removals[1])

    def test_a_redelivered_or_replayed_older_grant_is_stale_and_a_future_one_invalid(self):
        t0, t1 = time.time() - 120, time.time() - 60
        self.alpha.submit_grant(org("alpha-py-order"), refresh_token=TOKENS["order_a"], issued_at=t0)
        self.alpha.reauthorise("alpha-py-order", refresh_token=TOKENS["order_b"], issued_at=t1)
        with self.assertRaises(StaleGrant):
            self.alpha.reauthorise("alpha-py-order", refresh_token=TOKENS["order_a"], issued_at=t0)
        with self.assertRaises(StaleGrant) as ctx:
            self.alpha.reauthorise("alpha-py-order", refresh_token=TOKENS["order_a"], issued_at=time.time())
        self.assertIn("held this grant before", str(ctx.exception))
        with self.assertRaises(InvalidPayload) as ctx:
            self.alpha.reauthorise("alpha-py-order", refresh_token=TOKENS["unused"], issued_at=time.time() + 60)
        self.assertIn("in the future", str(ctx.exception))
        again = self.alpha.reauthorise("alpha-py-order", refresh_token=TOKENS["order_b"], issued_at=t1)
        self.assertTrue(again.repeated)
        self.assertEqual(int(raw_record("alpha-py-order")["grantIssuedAt"]["N"]), int(t1 * 1000))


class Python39CompatibilityTest(unittest.TestCase):
    """The motivating app runs Python 3.9: no match statements, no `X | Y` annotations (evaluated at import there)."""

    def test_source_parses_as_python_3_9_and_has_no_union_operator_annotations(self):
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "grant_intake.py")
        with open(path) as f:
            tree = ast.parse(f.read(), feature_version=(3, 9))
        annotations = []
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args.args + node.args.kwonlyargs + node.args.posonlyargs
                annotations += [a.annotation for a in args if a.annotation is not None]
                if node.returns is not None:
                    annotations.append(node.returns)
            if isinstance(node, ast.AnnAssign):
                annotations.append(node.annotation)
        union = [a for a in annotations for n in ast.walk(a) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.BitOr)]
        self.assertEqual(union, [])


if __name__ == "__main__":
    unittest.main()
