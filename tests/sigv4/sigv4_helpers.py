"""Requests signed by botocore, turned into what the verifier receives."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from sagegate.sigv4 import Identity, SignedRequest, SigV4Error, SigV4Verifier
from sagegate.sigv4.sign import host_header

HOSTNAME = "abc123.execute-api.us-east-1.amazonaws.com"
REGION = "us-east-1"
SERVICE = "execute-api"
ALICE = Identity("AKIAALICE00000000001", "alice-secret-0000000000000000000000000000")
TEMP = Identity("ASIATEMP000000000001", "temp-secret-00000000000000000000000000000", "tok-123")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def credentials(identity: Identity) -> Credentials:
    return Credentials(identity.access_key, identity.secret_key, identity.session_token)


def botocore_signed(
    method: str,
    url: str,
    *,
    identity: Identity = ALICE,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    service: str = SERVICE,
    region: str = REGION,
) -> SignedRequest:
    """`url` signed by botocore's SigV4Auth (header form), as the server would receive it."""
    request = AWSRequest(method=method, url=url, headers=headers or {}, data=body)
    SigV4Auth(credentials(identity), service, region).add_auth(request)
    return received(request.prepare().url, method, dict(request.headers.items()), body)


def botocore_presigned(
    method: str, url: str, *, identity: Identity = ALICE, expires: int = 300
) -> SignedRequest:
    """`url` presigned by botocore's SigV4QueryAuth."""
    request = AWSRequest(method=method, url=url)
    SigV4QueryAuth(credentials(identity), SERVICE, REGION, expires=expires).add_auth(request)
    return received(request.prepare().url, method, {}, b"")


def received(url: str, method: str, headers: dict[str, str], body: bytes) -> SignedRequest:
    parts = urlsplit(url)
    pairs = list(headers.items())
    if not any(name.lower() == "host" for name, _ in pairs):
        pairs.append(("Host", host_header(parts)))
    return SignedRequest(method, parts.path or "/", parts.query, pairs, body)


def echo_app(verifier: SigV4Verifier) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """A tiny ASGI app: verifies each request and answers who signed it, or the refusal."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        request = SignedRequest(
            method=scope["method"],
            raw_path=scope["raw_path"].decode("utf-8"),
            query_string=scope["query_string"].decode("utf-8"),
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]],
            body=body,
        )
        try:
            identity = verifier.verify(request)
            status, answer = 200, {"access_key": identity.access_key, "arn": identity.arn}
        except SigV4Error as error:
            status, answer = 403, {"kind": error.kind, "message": error.message}
        payload = json.dumps(answer).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    return app
