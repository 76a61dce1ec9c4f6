"""Tests for read_token.py's on-demand side (run by test/integration/python-reader.test.ts).

Against the Lambda Invoke stand-in running the REAL on-demand handler, DynamoDB Local and the loopback OAuth server.
ON_DEMAND_FIXTURE (JSON) names the function, the endpoints, the table and the orgs the TypeScript side seeded: each
ACTIVE with a fresh access token, except `revoked` (its grant revoked at the provider) and `denied` (an org this app
may not refresh).
"""

import json
import os
import threading
import unittest

import boto3

from read_token import (
    OnDemandUnavailable,
    ReauthRequired,
    RefreshLimited,
    RefreshNotPermitted,
    TenantNotFound,
    TokenReader,
    token_fingerprint,
)

FIXTURE = json.loads(os.environ.get("ON_DEMAND_FIXTURE", "{}"))
ORGS = FIXTURE.get("orgs", {})


class OnDemandTest(unittest.TestCase):
    def setUp(self):
        self.payloads = []
        # An explicit endpoint: Debian's boto3 (1.26) predates AWS_ENDPOINT_URL_LAMBDA.
        self.lambda_client = boto3.client("lambda", endpoint_url=FIXTURE["lambdaEndpoint"])
        self.lambda_client.meta.events.register("provide-client-params.lambda.Invoke", self._record)

    def _record(self, params, **kwargs):
        self.payloads.append(json.loads(params["Payload"]))

    def reader(self, function=None):
        return TokenReader(
            FIXTURE["table"],
            client=boto3.client("dynamodb", endpoint_url=FIXTURE["dynamoDbEndpoint"]),
            on_demand_function=function or FIXTURE["functionName"],
            lambda_client=self.lambda_client,
        )

    def test_refresh_now_gets_a_newer_token_then_an_old_token_gets_it_too_then_limited(self):
        org = ORGS["main"]
        first = self.reader().get_access_token(org)
        fresh = self.reader().refresh_now(org, rejected=first)
        self.assertNotEqual(fresh, first)
        # Only the fingerprint went out, never the token.
        self.assertEqual(self.payloads, [{"action": "refreshNow", "orgId": org, "rejected": token_fingerprint(first)}])
        self.assertNotIn(first, json.dumps(self.payloads))
        # Another instance still holding the old token: the newer one (the TypeScript side checks: no request).
        self.assertEqual(self.reader().refresh_now(org, rejected=first), fresh)
        # The fresh token rejected too, seconds later: refreshing again would not help.
        with self.assertRaises(RefreshLimited) as caught:
            self.reader().refresh_now(org, rejected=fresh)
        self.assertEqual(caught.exception.code, "LIMITED")
        self.assertEqual(caught.exception.org_id, org)
        self.assertGreater(caught.exception.retry_after_seconds, 0)

    def test_threads_of_one_reader_share_one_invocation(self):
        org = ORGS["threads"]
        reader = self.reader()
        first = reader.get_access_token(org)
        results = []

        def caller():
            results.append(reader.refresh_now(org, rejected=first))

        threads = [threading.Thread(target=caller) for _ in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(results), 10)
        self.assertEqual(len(set(results)), 1)
        self.assertNotEqual(results[0], first)
        self.assertEqual(len(self.payloads), 1)

    def test_min_validity_reads_only_when_the_stored_token_lasts_long_enough(self):
        org = ORGS["long"]
        reader = self.reader()
        token = reader.get_token(org, min_validity_ms=60 * 1000)
        self.assertEqual(self.payloads, [])
        # Two hours of a provider that gives one: the freshest token it has, and the caller sees its expiry.
        longer = reader.get_token(org, min_validity_ms=2 * 3600 * 1000)
        self.assertEqual(self.payloads, [{"action": "getAccessToken", "orgId": org, "minValidityMs": 7200000}])
        self.assertEqual(longer.access_token, token.access_token)
        self.assertGreater(longer.expires_at, token.expires_at - 1)

    def test_each_code_is_its_exception(self):
        with self.assertRaises(ReauthRequired):
            self.reader().refresh_now(ORGS["revoked"], rejected=FIXTURE["revokedToken"])
        with self.assertRaises(TenantNotFound):
            self.reader().refresh_now("py-od-nobody", rejected="sha256:0123456789ab")
        with self.assertRaises(RefreshNotPermitted):
            self.reader().refresh_now(ORGS["denied"], rejected="sha256:0123456789ab")
        with self.assertRaises(OnDemandUnavailable) as caught:
            self.reader(FIXTURE["brokenFunctionName"]).refresh_now(ORGS["main"], rejected="sha256:0123456789ab")
        self.assertNotIn("sha256:0123456789ab", str(caught.exception))

    def test_without_the_function_it_says_what_is_missing(self):
        dynamodb = boto3.client("dynamodb", endpoint_url=FIXTURE["dynamoDbEndpoint"])
        reader = TokenReader(FIXTURE["table"], client=dynamodb)
        with self.assertRaises(ValueError):
            reader.refresh_now(ORGS["main"], rejected="sha256:0123456789ab")

    def test_fingerprint_is_the_refreshers(self):
        self.assertEqual(token_fingerprint(FIXTURE["sample"]["token"]), FIXTURE["sample"]["fingerprint"])


if __name__ == "__main__":
    unittest.main()
