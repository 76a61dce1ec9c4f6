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

Run it: python3 read_token.py --table NAME ORG   (prints the token's type and expiry, not the token)
"""

import argparse
import os
import sys
import threading
import time
from typing import Any, Callable, Dict, Optional, Sequence

import boto3

# Exactly what the reader grant allows (dynamodb:Attributes, dynamodb:Select = SPECIFIC_ATTRIBUTES).
READER_ATTRIBUTES = ("orgId", "accessToken", "tokenType", "expiresAt", "status")
# What get_status reads: status, since when and why, and the token's expiry -- never a token.
STATUS_ATTRIBUTES = ("orgId", "status", "statusSince", "statusReason", "expiresAt")
DEFAULT_SKEW_SECONDS = 30.0


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
    ) -> None:
        self._table = table_name
        # boto3 >= 1.28 reads AWS_ENDPOINT_URL_DYNAMODB itself; passing it keeps older releases (Debian's) working.
        self._client = client or boto3.client("dynamodb", endpoint_url=os.environ.get("AWS_ENDPOINT_URL_DYNAMODB"))
        self._skew = skew_seconds
        self._clock = clock
        self._cache = {}  # type: Dict[str, AccessToken]
        self._lock = threading.Lock()

    def get_access_token(self, org_id: str) -> str:
        """The org's current access token (a bearer credential: never log it)."""
        return self.get_token(org_id).access_token

    def get_token(self, org_id: str) -> AccessToken:
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
