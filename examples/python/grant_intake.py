"""Hand a grant over to the tenant-token-refresher's grant intake (Python 3.9+, boto3).

The same client as the TypeScript one (reader/grant-intake.ts): one RequestResponse `lambda.invoke` of the intake
function, which validates the grant like `tenant-tokens tenants add`, stores it without ever overwriting a newer one,
refreshes the org at once and answers. A working grant returns a GrantResult; anything else raises the error class of
its stable code (InvalidGrant, StaleGrant, RecordInvalid, ...), carrying the org id, whether the grant is stored and
the org's status -- never a token.

    from grant_intake import GrantIntakeClient, InvalidGrant

    intake = GrantIntakeClient("tenant-tokens-grant-intake")   # the stack's output GrantIntakeFunctionName
    org = {"orgId": "acme", "provider": "genesys", "region": "eu-west-1",
           "grantType": "refresh_token", "clientSecretId": "tenant-tokens/genesys-app"}
    received_at = time.time()   # when the OAuth callback gave you the grant: keep it with the grant
    try:
        result = intake.submit_grant(org, refresh_token=token_from_the_oauth_callback, issued_at=received_at)
    except InvalidGrant:
        ...  # the provider refused it: ask the customer to authorise again
    # later, after the customer re-authorised:
    intake.reauthorise("acme", refresh_token=new_token, issued_at=new_token_received_at)
    # the customer uninstalled the app: stop refreshing, revoke, keep no secret
    removal = intake.remove_org("acme")     # RemovalResult: what was and was not revoked

The IAM role needs lambda:InvokeFunction on the intake function only (the stack's GrantIntakePolicyArn). With several
hosted apps declared, each app invokes its own alias, FUNCTION:app-<name> (its output App<Name>IntakeFunctionName),
allowed by its App<Name>IntakePolicyArn: the alias is the app's identity.
"""

import datetime
import json
import os
from typing import Any, Dict, Optional, Union

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

# The intake may wait for a refresher's lease, then refresh the org: up to its function timeout (180 s by default).
DEFAULT_READ_TIMEOUT_SECONDS = 200

IssuedAt = Union[float, int, datetime.datetime]


class GrantIntakeError(Exception):
    """Base class: a stable `code`, `org_id`, `stored` (is the grant in the table now), `status`, `reason`."""

    code = "GRANT_INTAKE_ERROR"

    def __init__(
        self,
        code: str,
        message: str,
        org_id: Optional[str] = None,
        stored: bool = False,
        status: Optional[str] = None,
        reason: Optional[str] = None,
        retry_after_seconds: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.org_id = org_id
        self.stored = stored
        self.status = status
        self.reason = reason
        self.retry_after_seconds = retry_after_seconds


class AppUnknown(GrantIntakeError):
    """Apps are declared and this call used none of their aliases: invoke FUNCTION:app-<name>. Nothing stored."""


class OrgNotInNamespace(GrantIntakeError):
    """submit_grant for an org id outside your app's org-id namespace: nothing stored."""


class ClientNotGranted(GrantIntakeError):
    """The org's clientSecretId names a shared client not granted to your app: nothing stored."""


class TokenHostNotGranted(GrantIntakeError):
    """The org's generic token URL is on a host not granted to your app: nothing stored."""


class InvalidPayload(GrantIntakeError):
    """The payload's shape is wrong (a bug in the app): nothing stored."""


class RecordInvalid(GrantIntakeError):
    """The org's settings break the record's rules or the token-host allow-list: nothing stored."""


class OrgExists(GrantIntakeError):
    """submit_grant for an org that exists: use reauthorise."""


class OrgNotFound(GrantIntakeError):
    """reauthorise for an org that does not exist: use submit_grant."""


class OrgDisabled(GrantIntakeError):
    """An operator disabled the org: re-authorising cannot help until it is enabled."""


class StaleGrant(GrantIntakeError):
    """A grant issued at the same time or later is stored: this older one was not."""


class Busy(GrantIntakeError):
    """A refresher held the org too long, or the intake is at its concurrency limit (reason THROTTLED): nothing
    stored; hand it over again after retry_after_seconds."""


class InvalidGrant(GrantIntakeError):
    """Stored, but the provider refused it (invalid_grant): the org is REAUTH_REQUIRED; the customer must act."""


class ClientMisconfigured(GrantIntakeError):
    """Stored, but the org's OAuth client (or its secret) is wrong: an operator must fix it."""


class ProviderUnavailable(GrantIntakeError):
    """Stored; the provider did not answer usefully: the refresher retries with backoff."""


class GrantPending(GrantIntakeError):
    """Stored; the first refresh has not finished: read the status (TokenReader.get_status) in a minute."""


class IntakeUnavailable(GrantIntakeError):
    """The intake function failed as a whole (crash, timeout, DynamoDB down): hand the grant over again."""


_BY_CODE = {
    "APP_UNKNOWN": AppUnknown,
    "ORG_NOT_IN_NAMESPACE": OrgNotInNamespace,
    "CLIENT_NOT_GRANTED": ClientNotGranted,
    "TOKEN_HOST_NOT_GRANTED": TokenHostNotGranted,
    "INVALID_PAYLOAD": InvalidPayload,
    "RECORD_INVALID": RecordInvalid,
    "ORG_EXISTS": OrgExists,
    "ORG_NOT_FOUND": OrgNotFound,
    "ORG_DISABLED": OrgDisabled,
    "STALE_GRANT": StaleGrant,
    "BUSY": Busy,
    "INVALID_GRANT": InvalidGrant,
    "CLIENT_MISCONFIGURED": ClientMisconfigured,
    "PROVIDER_UNAVAILABLE": ProviderUnavailable,
    "PENDING": GrantPending,
    "INTAKE_UNAVAILABLE": IntakeUnavailable,
}


class GrantResult(object):
    """The org is ACTIVE with a fresh access token (not included: read it with TokenReader)."""

    __slots__ = ("org_id", "status", "expires_at", "repeated")

    def __init__(self, org_id: str, status: str, expires_at: float, repeated: bool) -> None:
        self.org_id = org_id
        self.status = status
        self.expires_at = expires_at  # epoch seconds
        self.repeated = repeated  # this grant had been handed over before: nothing was written

    def __repr__(self) -> str:
        return "GrantResult(org_id=%r, status=%r, expires_at=%r, repeated=%r)" % (
            self.org_id,
            self.status,
            self.expires_at,
            self.repeated,
        )


class TokenRevocation(object):
    """What became of one of a removed org's tokens at its provider (codes only, never a token)."""

    __slots__ = ("result", "reason", "expires_at")

    def __init__(self, result: str, reason: Optional[str], expires_at: Optional[float]) -> None:
        # REVOKED, NOT_REVOKED (see reason), NONE_HELD, or LEFT_TO_EXPIRE (no way to revoke it: works until expires_at)
        self.result = result
        self.reason = reason  # NO_REVOCATION_ENDPOINT, PROVIDER_REFUSED, PROVIDER_UNAVAILABLE, TIMEOUT, ...
        self.expires_at = expires_at  # an access token not revoked: epoch seconds it stops working

    def __repr__(self) -> str:
        return "TokenRevocation(result=%r, reason=%r, expires_at=%r)" % (self.result, self.reason, self.expires_at)


class RemovalResult(object):
    """The org is REMOVED: no refreshing, no token and no client secret in its record."""

    __slots__ = ("org_id", "status", "already_removed", "removed_at", "refresh_token", "access_token", "secrets_held")

    def __init__(
        self,
        org_id: str,
        already_removed: bool,
        removed_at: Optional[float],
        refresh_token: Optional[TokenRevocation],
        access_token: Optional[TokenRevocation],
    ) -> None:
        self.org_id = org_id
        self.status = "REMOVED"
        self.already_removed = already_removed  # removed before this call: nothing written or revoked now
        self.removed_at = removed_at  # epoch seconds
        self.refresh_token = refresh_token  # None when already removed
        self.access_token = access_token
        self.secrets_held = False

    def __repr__(self) -> str:
        return "RemovalResult(org_id=%r, already_removed=%r, refresh_token=%r, access_token=%r)" % (
            self.org_id,
            self.already_removed,
            self.refresh_token,
            self.access_token,
        )


class GrantIntakeClient(object):
    """Hands grants over to the intake function. Thread-safe (boto3 clients are)."""

    def __init__(
        self,
        function_name: str,
        client: Any = None,
        endpoint_url: Optional[str] = None,
    ) -> None:
        if not function_name:
            raise ValueError("function_name is required (the stack's output GrantIntakeFunctionName)")
        self._function = function_name
        if client is None:
            # boto3 >= 1.28 reads AWS_ENDPOINT_URL_LAMBDA itself; passing it keeps older releases (Debian's) working.
            client = boto3.client(
                "lambda",
                endpoint_url=endpoint_url or os.environ.get("AWS_ENDPOINT_URL_LAMBDA"),
                config=Config(read_timeout=DEFAULT_READ_TIMEOUT_SECONDS, connect_timeout=10),
            )
        self._client = client

    def submit_grant(
        self,
        org: Dict[str, Any],
        refresh_token: Optional[str] = None,
        *,
        issued_at: IssuedAt,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
    ) -> GrantResult:
        """Onboards a new org with its first grant and refreshes it at once; raises by code unless it is ACTIVE.

        `org` holds the settings `tenants add` takes: orgId, provider, grantType, region/subdomain/tokenUrl,
        clientAuth, orgParam, scope, requiresOfflineAccess, and clientSecretId for a client shared through Secrets
        Manager. `client_id` and `client_secret` hand the org's own client over instead (a premium app's install
        creates one per org): it is stored in the org's record, readable by the refresher alone. `issued_at` is
        required: when your app received the grant (a timezone-aware datetime or epoch seconds), at most 30 s ahead
        of the intake's clock. It orders hand-overs: keep it with the grant and pass the same value whenever you hand
        that grant over (a retry, a queue's re-delivery); "now" at send time would let a late, older grant win.
        """
        org_id = org.get("orgId") if isinstance(org, dict) else None
        payload = {"action": "submitGrant", "org": org, "grant": self._grant(refresh_token, issued_at)}
        payload.update(_own_client(client_id, client_secret))
        return self._invoke(payload, org_id)

    def reauthorise(
        self,
        org_id: str,
        refresh_token: Optional[str] = None,
        *,
        issued_at: IssuedAt,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
    ) -> GrantResult:
        """Stores a new grant for an existing org (after REAUTH_REQUIRED, or a reinstall) and refreshes it at once.

        With `client_id` and `client_secret` the org's own client is replaced too (a reinstalled app's new client).
        """
        payload = {"action": "reauthorise", "orgId": org_id, "grant": self._grant(refresh_token, issued_at)}
        payload.update(_own_client(client_id, client_secret))
        return self._invoke(payload, org_id)

    def remove_org(self, org_id: str) -> RemovalResult:
        """Offboards an org (its customer uninstalled the app): refreshing stops at once, its tokens are revoked at the
        provider where it allows, its record keeps no secret. Idempotent (`already_removed`); raises OrgNotFound for an
        unknown org and Busy when a refresh in flight outlasts the intake's wait. submit_grant onboards it again.
        """
        answer = self._call({"action": "removeOrg", "orgId": org_id}, org_id)
        revocation = answer.get("revocation") if isinstance(answer.get("revocation"), dict) else None
        refresh = access = None
        if revocation is not None:
            refresh = TokenRevocation(revocation.get("refreshToken"), revocation.get("refreshTokenReason"), None)
            access = TokenRevocation(
                revocation.get("accessToken"),
                revocation.get("accessTokenReason"),
                _epoch_seconds(revocation.get("accessTokenExpiresAt")),
            )
        return RemovalResult(
            answer.get("orgId", org_id),
            bool(answer.get("alreadyRemoved")),
            _epoch_seconds(answer.get("removedAt")),
            refresh,
            access,
        )

    def _grant(self, refresh_token: Optional[str], issued_at: IssuedAt) -> Dict[str, Any]:
        grant = {"issuedAt": _epoch_ms(issued_at)}  # type: Dict[str, Any]
        if refresh_token is not None:
            grant["refreshToken"] = refresh_token
        return grant

    def _invoke(self, payload: Dict[str, Any], org_id: Optional[str]) -> GrantResult:
        answer = self._call(payload, org_id)
        return GrantResult(
            answer["orgId"],
            answer["status"],
            _epoch_seconds(answer["expiresAt"]),
            bool(answer.get("repeated")),
        )

    def _call(self, payload: Dict[str, Any], org_id: Optional[str]) -> Dict[str, Any]:
        """One invocation: the intake's `ok` answer, or the error class of its code raised."""
        try:
            out = self._client.invoke(
                FunctionName=self._function,
                InvocationType="RequestResponse",
                Payload=json.dumps(payload).encode("utf-8"),
            )
        except ClientError as err:
            # The intake at its reserved concurrency (after botocore's own retries): nothing ran; try again shortly.
            if err.response.get("Error", {}).get("Code") != "TooManyRequestsException":
                raise
            raise Busy(
                "BUSY",
                "the grant intake is at its concurrency limit (throttled): nothing was changed; call it again in a "
                "second",
                org_id=org_id,
                reason="THROTTLED",
                retry_after_seconds=1,
            ) from None
        body = out["Payload"].read().decode("utf-8")
        if out.get("FunctionError"):
            error_type = _json(body).get("errorType") or out["FunctionError"]
            raise IntakeUnavailable(
                "INTAKE_UNAVAILABLE",
                "the grant intake failed (%s): hand the grant over again (a repeated hand-over is recognised)"
                % error_type,
                org_id=org_id,
            )
        answer = _json(body)
        if answer.get("ok") is True:
            return answer
        error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
        code = str(error.get("code") or "INTAKE_UNAVAILABLE")
        raise _BY_CODE.get(code, GrantIntakeError)(
            code,
            str(error.get("message") or "the grant intake gave no answer this client understands"),
            org_id=answer.get("orgId", org_id),
            stored=bool(answer.get("stored")),
            status=answer.get("status"),
            reason=error.get("reason"),
            retry_after_seconds=error.get("retryAfterSeconds"),
        )


def _own_client(client_id: Optional[str], client_secret: Optional[str]) -> Dict[str, Any]:
    """The org's own client travels beside the grant, never among the org's settings."""
    if client_id is None and client_secret is None:
        return {}
    if client_id is None or client_secret is None:
        raise ValueError("client_id and client_secret go together: they make up the org's own client")
    return {"client": {"clientId": client_id, "clientSecret": client_secret}}


def _epoch_ms(issued_at: IssuedAt) -> int:
    if issued_at is None:
        # No default: this library cannot know when your app received the grant.
        raise ValueError(
            "issued_at is required: when your app received the grant (a timezone-aware datetime or epoch seconds); "
            "pass the same value every time this grant is handed over"
        )
    if isinstance(issued_at, datetime.datetime):
        if issued_at.tzinfo is None:
            raise ValueError("issued_at must be timezone-aware (e.g. datetime.now(timezone.utc))")
        return int(issued_at.timestamp() * 1000)
    return int(float(issued_at) * 1000)  # epoch seconds, Python's convention


def _epoch_seconds(iso: Optional[str]) -> Optional[float]:
    """The intake's times (ISO 8601 UTC with milliseconds, as JavaScript prints them) as epoch seconds."""
    if iso is None:
        return None
    parsed = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ")
    return parsed.replace(tzinfo=datetime.timezone.utc).timestamp()


def _json(text: str) -> Dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
