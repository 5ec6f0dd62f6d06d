"""A tiny OpenID Connect provider over real HTTP, to test the ProConnect login end to end.

It implements the authorization code flow the way ProConnect does: ``/authorize`` redirects back with a code and
the state, ``/token`` returns an ID token signed (HS256, with the client secret) carrying the nonce, and
``/userinfo`` returns the claims as a signed JWT (``application/jwt``).
"""

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt


@dataclass
class FakeOIDCProvider:
    client_id: str = "socle-test"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    claims: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    access_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # silence the test output
                pass

            def do_GET(self) -> None:
                provider._handle(self, "GET")

            def do_POST(self) -> None:
                provider._handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def issuer(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def settings(self) -> dict[str, Any]:
        """The Django settings that point Socle at this provider."""
        return {
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_RP_SIGN_ALGO": "HS256",
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.issuer}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.issuer}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.issuer}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": "",
            "OIDC_TIMEOUT": 5,
            "PROCONNECT_ENABLED": True,
        }

    def __enter__(self) -> "FakeOIDCProvider":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    # --- HTTP ---

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(handler.path)
        self.requests.append(f"{method} {url.path}")
        if method == "GET" and url.path == "/authorize":
            self._authorize(handler, parse_qs(url.query))
        elif method == "POST" and url.path == "/token":
            length = int(handler.headers.get("Content-Length") or 0)
            self._token(handler, parse_qs(handler.rfile.read(length).decode()))
        elif method == "GET" and url.path == "/userinfo":
            self._userinfo(handler)
        else:
            self._send(handler, 404, {"error": "not_found"})

    def _authorize(self, handler: BaseHTTPRequestHandler, query: dict[str, list[str]]) -> None:
        params = {key: values[0] for key, values in query.items()}
        if params.get("client_id") != self.client_id or params.get("response_type") != "code":
            self._send(handler, 400, {"error": "invalid_request"})
            return
        if "openid" not in params.get("scope", "").split():
            self._send(handler, 400, {"error": "invalid_scope"})
            return
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"nonce": params.get("nonce"), "redirect_uri": params["redirect_uri"]}
        location = params["redirect_uri"] + "?" + urlencode({"code": code, "state": params["state"]})
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.end_headers()

    def _token(self, handler: BaseHTTPRequestHandler, form: dict[str, list[str]]) -> None:
        params = {key: values[0] for key, values in form.items()}
        grant = self.codes.pop(params.get("code", ""), None)  # a code is used once
        if (
            grant is None
            or params.get("grant_type") != "authorization_code"
            or params.get("client_id") != self.client_id
            or params.get("client_secret") != self.client_secret
            or params.get("redirect_uri") != grant["redirect_uri"]
        ):
            self._send(handler, 400, {"error": "invalid_grant"})
            return
        now = int(time.time())
        id_token = self._sign(
            {
                "iss": self.issuer,
                "sub": self.claims["sub"],
                "aud": self.client_id,
                "iat": now,
                "exp": now + 60,
                "nonce": grant["nonce"],
            }
        )
        access_token = secrets.token_urlsafe(24)
        self.access_tokens[access_token] = dict(self.claims)
        self._send(
            handler,
            200,
            {"access_token": access_token, "token_type": "Bearer", "expires_in": 60, "id_token": id_token},
        )

    def _userinfo(self, handler: BaseHTTPRequestHandler) -> None:
        token = handler.headers.get("Authorization", "").removeprefix("Bearer ")
        claims = self.access_tokens.get(token)
        if claims is None:
            self._send(handler, 401, {"error": "invalid_token"})
            return
        body = self._sign({"iss": self.issuer, "aud": self.client_id, **claims}).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/jwt")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _sign(self, payload: dict[str, Any]) -> str:
        return jwt.encode(payload, self.client_secret, algorithm="HS256")

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
