"""Tests for read_token.py against DynamoDB Local (run by test/integration/python-reader.test.ts).

Needs TABLE_NAME (an empty token table) and AWS_ENDPOINT_URL_DYNAMODB; seeds its own items.
"""

import ast
import io
import os
import time
import unittest
from contextlib import redirect_stderr, redirect_stdout

import boto3

import read_token
from read_token import (
    READER_ATTRIBUTES,
    STATUS_ATTRIBUTES,
    ReauthRequired,
    TenantDisabled,
    TenantNotFound,
    TokenExpired,
    TokenReader,
)

TABLE = os.environ.get("TABLE_NAME", "")
ENDPOINT = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
SECRET_ACCESS = "at-python-0123456789-abcdefghijklmnop"
SECRET_REFRESH = "rt-python-0123456789-abcdefghijklmnop"


def client():
    return boto3.client("dynamodb", endpoint_url=ENDPOINT)


def put(org_id, status="ACTIVE", access_token=SECRET_ACCESS, expires_in=3600.0, extra=None):
    item = {
        "orgId": {"S": org_id},
        "provider": {"S": "generic"},
        "grantType": {"S": "refresh_token"},
        "refreshToken": {"S": SECRET_REFRESH},
        "status": {"S": status},
        "version": {"N": "3"},
    }
    if access_token is not None:
        item["accessToken"] = {"S": access_token}
        item["tokenType"] = {"S": "Bearer"}
        item["expiresAt"] = {"N": str(int((time.time() + expires_in) * 1000))}
    item.update(extra or {})
    client().put_item(TableName=TABLE, Item=item)


class ReadTokenTest(unittest.TestCase):
    def setUp(self):
        self.calls = []
        self.client = client()
        self.client.meta.events.register("provide-client-params.dynamodb.GetItem", self._record)
        self.reader = TokenReader(TABLE, client=self.client)

    def _record(self, params, **kwargs):
        self.calls.append(dict(params))

    def test_reads_the_token_with_exactly_the_reader_grants_projection(self):
        put("py-active")
        self.assertEqual(self.reader.get_access_token("py-active"), SECRET_ACCESS)
        call = self.calls[0]
        self.assertTrue(call["ConsistentRead"])
        projected = set(call["ExpressionAttributeNames"][p.strip()] for p in call["ProjectionExpression"].split(","))
        self.assertEqual(projected, set(READER_ATTRIBUTES))
        self.assertNotIn("refreshToken", projected)

    def test_caches_until_expiry_minus_skew(self):
        put("py-cached")
        self.reader.get_access_token("py-cached")
        self.reader.get_access_token("py-cached")
        self.assertEqual(len(self.calls), 1)
        self.reader.invalidate("py-cached")
        self.reader.get_access_token("py-cached")
        self.assertEqual(len(self.calls), 2)

    def test_does_not_cache_a_token_inside_the_skew(self):
        put("py-nearly", expires_in=10.0)
        self.reader.get_access_token("py-nearly")
        self.reader.get_access_token("py-nearly")
        self.assertEqual(len(self.calls), 2)

    def assert_raises_without_token(self, exc_type, org_id):
        with self.assertRaises(exc_type) as ctx:
            self.reader.get_access_token(org_id)
        err = ctx.exception
        self.assertEqual(err.org_id, org_id)
        for text in (str(err), repr(err)):
            self.assertNotIn(SECRET_ACCESS, text)
            self.assertNotIn(SECRET_REFRESH, text)
        return err

    def test_unknown_org_raises_tenant_not_found(self):
        self.assert_raises_without_token(TenantNotFound, "py-nobody")

    def test_dead_grant_raises_reauth_required(self):
        put("py-reauth", status="REAUTH_REQUIRED")
        self.assertEqual(self.assert_raises_without_token(ReauthRequired, "py-reauth").code, "REAUTH_REQUIRED")

    def test_disabled_org_raises_tenant_disabled(self):
        put("py-disabled", status="DISABLED")
        self.assert_raises_without_token(TenantDisabled, "py-disabled")

    def test_expired_token_raises_token_expired_with_its_expiry(self):
        put("py-expired", expires_in=-5.0)
        err = self.assert_raises_without_token(TokenExpired, "py-expired")
        self.assertLess(err.expires_at, time.time())

    def test_org_without_a_token_yet_raises_token_expired_without_expiry(self):
        put("py-new", access_token=None)
        self.assertIsNone(self.assert_raises_without_token(TokenExpired, "py-new").expires_at)

    def test_repr_of_a_token_leaves_the_token_out(self):
        put("py-repr")
        self.assertNotIn(SECRET_ACCESS, repr(self.reader.get_token("py-repr")))

    def test_get_status_says_since_when_and_why_an_org_needs_reauthorisation_without_reading_a_token(self):
        since_ms = int((time.time() - 600) * 1000)
        extra = {"statusSince": {"N": str(since_ms)}, "statusReason": {"S": "INVALID_GRANT"}}
        put("py-status", status="REAUTH_REQUIRED", access_token=None, extra=extra)
        status = self.reader.get_status("py-status")
        self.assertEqual(status.status, "REAUTH_REQUIRED")
        self.assertTrue(status.needs_reauthorisation)
        self.assertEqual(status.reason, "INVALID_GRANT")
        self.assertAlmostEqual(status.since, since_ms / 1000.0)
        projected = set(
            self.calls[-1]["ExpressionAttributeNames"][p.strip()] for p in self.calls[-1]["ProjectionExpression"].split(",")
        )
        self.assertEqual(projected, set(STATUS_ATTRIBUTES))
        self.assertNotIn("accessToken", projected)
        self.assertNotIn("refreshToken", projected)

    def test_get_status_of_an_active_org_has_no_reason_and_an_unknown_org_raises(self):
        put("py-status-ok", extra={"statusReason": {"S": "INVALID_GRANT"}})
        status = self.reader.get_status("py-status-ok")
        self.assertEqual((status.status, status.reason, status.needs_reauthorisation), ("ACTIVE", None, False))
        self.assertGreater(status.access_token_expires_at, time.time())
        with self.assertRaises(TenantNotFound):
            self.reader.get_status("py-status-nobody")

    def test_main_prints_expiry_not_the_token_and_exits_1_for_a_dead_grant(self):
        put("py-main")
        put("py-main-dead", status="REAUTH_REQUIRED")
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            self.assertEqual(read_token.main(["--table", TABLE, "py-main"]), 0)
            self.assertEqual(read_token.main(["--table", TABLE, "py-main-dead"]), 1)
        self.assertIn("Bearer token for py-main", out.getvalue())
        self.assertIn("ReauthRequired", err.getvalue())
        self.assertNotIn(SECRET_ACCESS, out.getvalue() + err.getvalue())


class Python39CompatibilityTest(unittest.TestCase):
    """The motivating app runs Python 3.9: no match statements, no `X | Y` annotations (evaluated at import there)."""

    def test_source_parses_as_python_3_9_and_has_no_union_operator_annotations(self):
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "read_token.py")
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
