"""Read an org's current access token from the tenant-token-refresher table (Python 3.9+, boto3).

The same read as the TypeScript reader library (reader/token-reader.ts): one strongly consistent GetItem that
projects exactly the attributes the reader IAM grant allows (orgId, accessToken, tokenType, expiresAt, status) --
never the refresh token -- an expiry check, and typed exceptions that carry the org id and never a token.

    from read_token import TokenReader, ReauthRequired

    reader = TokenReader("tenant-tokens")
    try:
        token = reader.get_access_token("acme-genesys")
    except ReauthRequired:
        ...  # ask the customer to re-authorise the app

With the on-demand function (the stack's output OnDemandRefreshFunctionName), the 401 path and long-lived tokens:

    reader = TokenReader("tenant-tokens", on_demand_function="tenant-tokens-on-demand")
    token = reader.refresh_now("acme-genesys", rejected=token)      # after a 401: a newer token, one refresh per fleet
    token = reader.get_access_token("acme-genesys", min_validity_ms=20 * 60 * 1000)   # before a long export

Run it: python3 read_token.py --table NAME ORG   (prints the token's type and expiry, not the token)
"""

import argparse
import hashlib
import json
import os
import re
import sys
import threading
import time
from typing import Any, Callable, Dict, Optional, Sequence

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

# Exactly what the reader grant allows (dynamodb:Attributes, dynamodb:Select = SPECIFIC_ATTRIBUTES).
READER_ATTRIBUTES = ("orgId", "accessToken", "tokenType", "expiresAt", "status")
# What get_status reads: status, since when and why, and the token's expiry -- never a token.
STATUS_ATTRIBUTES = ("orgId", "status", "statusSince", "statusReason", "expiresAt")
DEFAULT_SKEW_SECONDS = 30.0
# The on-demand function waits at most a lease for a refresh in progress: its timeout is the lease + 20 s (80 s).
ON_DEMAND_READ_TIMEOUT_SECONDS = 100
_FINGERPRINT = re.compile(r"^sha256:[0-9a-f]{12}$")


def token_fingerprint(token: str) -> str:
    """`sha256:` and the first 12 hex digits of SHA-256: what refresh_now sends instead of the rejected token."""
    return "sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()[:12]


class TokenReaderError(Exception):
    """Base class: `org_id` and a stable `code`; never a token."""

    code = "TOKEN_READER_ERROR"

    def __init__(self, org_id: str, message: str) -> None:
        super().__init__(message)
        self.org_id = org_id


class TenantNotFound(TokenReaderError):
    """No record for this org: never onboarded, or the wrong table."""

    code = "TENANT_NOT_FOUND"

    def __init__(self, org_id: str) -> None:
        super().__init__(org_id, "no token record for org %s: onboard it with `tenant-tokens tenants add`" % org_id)


class ReauthRequired(TokenReaderError):
    """The org's grant is dead: only the customer can fix it by re-authorising the app."""

    code = "REAUTH_REQUIRED"

    def __init__(self, org_id: str) -> None:
        super().__init__(org_id, "org %s must re-authorise the app: its grant is no longer valid" % org_id)


class TenantDisabled(TokenReaderError):
    """An operator disabled the org (`tenant-tokens tenants disable`); re-authorising would not help."""

    code = "TENANT_DISABLED"

    def __init__(self, org_id: str) -> None:
        super().__init__(org_id, "org %s is disabled by an operator" % org_id)


class TenantRemoved(TokenReaderError):
    """The org was offboarded (remove_org, `tenant-tokens tenants remove`): it holds no token; submit_grant brings it back."""

    code = "TENANT_REMOVED"

    def __init__(self, org_id: str) -> None:
        super().__init__(org_id, "org %s was removed: it has no tokens" % org_id)


class TokenExpired(TokenReaderError):
    """ACTIVE, but no valid access token right now: not issued yet (expires_at None) or the refresher is behind."""

    code = "TOKEN_EXPIRED"

    def __init__(self, org_id: str, expires_at: Optional[float]) -> None:
        if expires_at is None:
            message = "org %s has no access token yet (just onboarded or re-authorised)" % org_id
        else:
            message = "the access token of org %s expired at %s UTC" % (
                org_id,
                time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(expires_at)),
            )
        super().__init__(org_id, message)
        self.expires_at = expires_at


class OnDemandError(TokenReaderError):
    """Base of the on-demand errors: `reason` (the refresher's code behind it) and `retry_after_seconds`."""

    code = "ON_DEMAND_ERROR"

    def __init__(
        self,
        org_id: str,
        message: str,
        code: Optional[str] = None,
        reason: Optional[str] = None,
        retry_after_seconds: Optional[int] = None,
    ) -> None:
        super().__init__(org_id, message)
        if code is not None:
            self.code = code
        self.reason = reason
        self.retry_after_seconds = retry_after_seconds


class RefreshLimited(OnDemandError):
    """Refreshed on demand moments ago and that fresh token was rejected too: retry after retry_after_seconds."""

    code = "LIMITED"


class RefreshBusy(OnDemandError):
    """A refresh of the org took longer than the call could wait: ask again after retry_after_seconds."""

    code = "BUSY"


class RefreshNotPermitted(OnDemandError):
    """This app may not refresh this org."""

    code = "NOT_PERMITTED"


class RefreshFailed(OnDemandError):
    """No token: code PROVIDER_UNAVAILABLE, CLIENT_MISCONFIGURED, RECORD_INVALID or REFRESH_FAILED; see reason."""

    code = "REFRESH_FAILED"


class OnDemandUnavailable(OnDemandError):
    """The on-demand function failed as a whole, was throttled, or refused the request: ask again."""

    code = "ON_DEMAND_UNAVAILABLE"


class AccessToken(object):
    """The token and its metadata. `repr` leaves the token out, so logging this object is safe."""

    __slots__ = ("org_id", "access_token", "token_type", "expires_at")

    def __init__(self, org_id: str, access_token: str, token_type: str, expires_at: float) -> None:
        self.org_id = org_id
        self.access_token = access_token
        self.token_type = token_type
        self.expires_at = expires_at  # epoch seconds

    def __repr__(self) -> str:
        return "AccessToken(org_id=%r, token_type=%r, expires_at=%r)" % (self.org_id, self.token_type, self.expires_at)


class OrgStatus(object):
    """An org's status as a hosted app may see it, so it can prompt its customer before the tokens run out."""

    __slots__ = ("org_id", "status", "since", "reason", "needs_reauthorisation", "access_token_expires_at")

    def __init__(
        self,
        org_id: str,
        status: str,
        since: Optional[float],
        reason: Optional[str],
        access_token_expires_at: Optional[float],
    ) -> None:
        self.org_id = org_id
        self.status = status  # ACTIVE, REAUTH_REQUIRED, DISABLED or REMOVED
        self.since = since  # epoch seconds; None for records written before it was kept
        # while not ACTIVE: INVALID_GRANT, ROTATION_LOST, DISABLED_BY_OPERATOR, REMOVED_BY_APP, REMOVED_BY_OPERATOR
        self.reason = reason
        self.needs_reauthorisation = status == "REAUTH_REQUIRED"
        self.access_token_expires_at = access_token_expires_at  # epoch seconds

    def __repr__(self) -> str:
        return "OrgStatus(org_id=%r, status=%r, since=%r, reason=%r)" % (
            self.org_id,
            self.status,
            self.since,
            self.reason,
        )


class TokenReader(object):
    """Reads access tokens, caching each until `expires_at - skew_seconds`. Thread-safe."""

    def __init__(
        self,
        table_name: str,
        client: Any = None,
        skew_seconds: float = DEFAULT_SKEW_SECONDS,
        clock: Callable[[], float] = time.time,
        on_demand_function: Optional[str] = None,
        lambda_client: Any = None,
    ) -> None:
        self._table = table_name
        # boto3 >= 1.28 reads AWS_ENDPOINT_URL_DYNAMODB itself; passing it keeps older releases (Debian's) working.
        self._client = client or boto3.client("dynamodb", endpoint_url=os.environ.get("AWS_ENDPOINT_URL_DYNAMODB"))
        self._skew = skew_seconds
        self._clock = clock
        self._cache = {}  # type: Dict[str, AccessToken]
        self._lock = threading.Lock()
        # The on-demand function (refresh_now, min_validity_ms); its Lambda client is made on first use.
        self._on_demand = on_demand_function
        self._lambda = lambda_client
        self._asking = {}  # type: Dict[str, threading.Lock]

    def get_access_token(self, org_id: str, min_validity_ms: Optional[int] = None) -> str:
        """The org's current access token (a bearer credential: never log it); with min_validity_ms, long enough."""
        return self.get_token(org_id, min_validity_ms).access_token

    def get_token(self, org_id: str, min_validity_ms: Optional[int] = None) -> AccessToken:
        """The token and its expiry. With min_validity_ms: the stored token if it stays valid that long, otherwise the
        on-demand function refreshes (as far as the provider's lifetime allows: check expires_at)."""
        if min_validity_ms is None:
            return self._get_token(org_id)
        if not isinstance(min_validity_ms, int) or min_validity_ms < 0:
            raise ValueError("min_validity_ms must be a whole number of milliseconds, 0 or more")
        try:
            token = self._get_token(org_id)
            if token.expires_at - self._clock() >= min_validity_ms / 1000.0:
                return token
        except TokenExpired:
            if not self._on_demand:
                raise
        payload = {"action": "getAccessToken", "orgId": org_id, "minValidityMs": min_validity_ms}
        return self._ask(payload, lambda cached: cached.expires_at - self._clock() >= min_validity_ms / 1000.0)

    def refresh_now(self, org_id: str, rejected: str) -> str:
        """After a 401: a token newer than `rejected` (the refused token, or its sha256: fingerprint; only the
        fingerprint is sent). The org is refreshed only if the stored token is still the rejected one, so callers that
        saw the same 401 share one refresh. Raises RefreshLimited, RefreshBusy, ReauthRequired, ... by code."""
        if not isinstance(rejected, str) or not rejected:
            raise ValueError("rejected must be the access token the API refused (or its sha256: fingerprint)")
        fingerprint = rejected if _FINGERPRINT.match(rejected) else token_fingerprint(rejected)
        payload = {"action": "refreshNow", "orgId": org_id, "rejected": fingerprint}
        return self._ask(payload, lambda cached: token_fingerprint(cached.access_token) != fingerprint).access_token

    def _ask(self, payload: Dict[str, Any], serves: Callable[[AccessToken], bool]) -> AccessToken:
        if not self._on_demand:
            raise ValueError("refresh_now and min_validity_ms need on_demand_function (OnDemandRefreshFunctionName)")
        org_id = payload["orgId"]
        with self._lock:
            asking = self._asking.setdefault(org_id, threading.Lock())
        # One invocation per org at a time: a thread that waited finds the answer in the cache when it serves.
        with asking:
            with self._lock:
                cached = self._cache.get(org_id)
            if cached is not None and cached.expires_at - self._skew > self._clock() and serves(cached):
                return cached
            token = self._invoke(payload)
            with self._lock:
                if token.expires_at - self._skew > self._clock():
                    self._cache[org_id] = token
            return token

    def _invoke(self, payload: Dict[str, Any]) -> AccessToken:
        org_id = payload["orgId"]
        if self._lambda is None:
            # boto3 >= 1.28 reads AWS_ENDPOINT_URL_LAMBDA itself; passing it keeps older releases working.
            self._lambda = boto3.client(
                "lambda",
                endpoint_url=os.environ.get("AWS_ENDPOINT_URL_LAMBDA"),
                config=Config(read_timeout=ON_DEMAND_READ_TIMEOUT_SECONDS, connect_timeout=10),
            )
        try:
            out = self._lambda.invoke(
                FunctionName=self._on_demand,
                InvocationType="RequestResponse",
                Payload=json.dumps(payload).encode("utf-8"),
            )
        except ClientError as err:
            name = err.response.get("Error", {}).get("Code")
            if name == "TooManyRequestsException":
                raise OnDemandUnavailable(
                    org_id, "the on-demand function is throttled", reason=name, retry_after_seconds=1
                )
            raise
        body = out["Payload"].read().decode("utf-8")
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if out.get("FunctionError"):
            error_type = answer.get("errorType") if isinstance(answer, dict) else None
            raise OnDemandUnavailable(
                org_id, "the on-demand function failed: ask again", reason=error_type or out["FunctionError"]
            )
        if isinstance(answer, dict) and answer.get("ok") is True and isinstance(answer.get("accessToken"), str):
            return AccessToken(
                org_id, answer["accessToken"], answer.get("tokenType") or "Bearer", float(answer["expiresAt"]) / 1000.0
            )
        error = answer.get("error") if isinstance(answer, dict) and isinstance(answer.get("error"), dict) else {}
        raise _on_demand_error(org_id, error)

    def _get_token(self, org_id: str) -> AccessToken:
        with self._lock:
            cached = self._cache.get(org_id)
        if cached is not None and cached.expires_at - self._skew > self._clock():
            return cached
        token = self._read(org_id)
        with self._lock:
            if token.expires_at - self._skew > self._clock():
                self._cache[org_id] = token
            else:
                self._cache.pop(org_id, None)
        return token

    def invalidate(self, org_id: str) -> None:
        """Forget the cached token, e.g. after the API answered 401 (strict-rotation providers such as Zendesk)."""
        with self._lock:
            self._cache.pop(org_id, None)

    def get_status(self, org_id: str) -> OrgStatus:
        """The org's status, since when and why (one consistent read, never cached, no token)."""
        item = self._get(org_id, STATUS_ATTRIBUTES)
        if item is None:
            raise TenantNotFound(org_id)
        status = item.get("status", {}).get("S")
        if status not in ("ACTIVE", "REAUTH_REQUIRED", "DISABLED", "REMOVED"):
            raise TokenReaderError(org_id, "token record for org %s has an unknown status" % org_id)
        since_ms = item.get("statusSince", {}).get("N")
        expires_ms = item.get("expiresAt", {}).get("N")
        return OrgStatus(
            org_id,
            status,
            float(since_ms) / 1000.0 if since_ms is not None else None,
            item.get("statusReason", {}).get("S") if status != "ACTIVE" else None,
            float(expires_ms) / 1000.0 if expires_ms is not None else None,
        )

    def _get(self, org_id: str, attributes: Sequence[str]) -> Optional[Dict[str, Any]]:
        out = self._client.get_item(
            TableName=self._table,
            Key={"orgId": {"S": org_id}},
            ConsistentRead=True,
            ProjectionExpression=", ".join("#" + a for a in attributes),
            ExpressionAttributeNames=dict(("#" + a, a) for a in attributes),
        )
        return out.get("Item")

    def _read(self, org_id: str) -> AccessToken:
        item = self._get(org_id, READER_ATTRIBUTES)
        if item is None:
            raise TenantNotFound(org_id)
        status = item.get("status", {}).get("S")
        if status == "REAUTH_REQUIRED":
            raise ReauthRequired(org_id)
        if status == "DISABLED":
            raise TenantDisabled(org_id)
        if status == "REMOVED":
            raise TenantRemoved(org_id)
        if status != "ACTIVE":
            raise TokenReaderError(org_id, "token record for org %s has an unknown status" % org_id)
        access_token = item.get("accessToken", {}).get("S")
        expires_at_ms = item.get("expiresAt", {}).get("N")
        if access_token is None or expires_at_ms is None:
            raise TokenExpired(org_id, None)
        expires_at = float(expires_at_ms) / 1000.0
        if expires_at <= self._clock():
            raise TokenExpired(org_id, expires_at)
        return AccessToken(org_id, access_token, item.get("tokenType", {}).get("S", "Bearer"), expires_at)


def _on_demand_error(org_id: str, error: Dict[str, Any]) -> TokenReaderError:
    """The typed exception for an on-demand answer's code; the org's state keeps the reader's own classes."""
    code = str(error.get("code") or "ON_DEMAND_UNAVAILABLE")
    message = str(error.get("message") or "the on-demand function gave no answer this client understands")
    reason = error.get("reason")
    retry = error.get("retryAfterSeconds")
    if code == "ORG_NOT_FOUND":
        return TenantNotFound(org_id)
    if code == "REAUTH_REQUIRED":
        return ReauthRequired(org_id)
    if code == "ORG_DISABLED":
        return TenantDisabled(org_id)
    by_code = {"LIMITED": RefreshLimited, "BUSY": RefreshBusy, "NOT_PERMITTED": RefreshNotPermitted}
    if code in by_code:
        return by_code[code](org_id, message, reason=reason, retry_after_seconds=retry)
    if code in ("PROVIDER_UNAVAILABLE", "CLIENT_MISCONFIGURED", "RECORD_INVALID", "REFRESH_FAILED"):
        return RefreshFailed(org_id, message, code=code, reason=reason, retry_after_seconds=retry)
    # INVALID_REQUEST (this client and the deployed function disagree), or a code newer than this client.
    return OnDemandUnavailable(org_id, message, reason=reason or code, retry_after_seconds=retry)


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description="Read an org's access token (prints its type and expiry only).")
    parser.add_argument("org_id", metavar="ORG")
    parser.add_argument("--table", default=os.environ.get("TABLE_NAME"), help="token table (default: $TABLE_NAME)")
    args = parser.parse_args(argv)
    if not args.table:
        parser.error("no table: pass --table NAME or set TABLE_NAME")
    try:
        token = TokenReader(args.table).get_token(args.org_id)
    except TokenReaderError as err:
        print("%s: %s" % (type(err).__name__, err), file=sys.stderr)
        return 1
    print("%s token for %s, expires in %d s" % (token.token_type, token.org_id, token.expires_at - time.time()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
