"""A real MCP client (the official Python SDK) against a running ai-bridge.

Usage: mcp_client.py BASE_URL CA_FILE MODE [ARGS]
  jwt TOKEN                      static bearer token
  oauth-code CLIENT SECRET       authorization code + PKCE S256, then the MCP session
  client-credentials CLIENT SECRET
Prints one JSON object: the tool names, and what bridge_whoami returned.
"""

import asyncio
import base64
import hashlib
import json
import secrets
import ssl
import sys
import urllib.parse

import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client


def pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


async def oauth_code(base, ctx, client, secret):
    verifier, challenge = pkce()
    redirect = "http://127.0.0.1:33418/callback"
    params = {
        "response_type": "code",
        "client_id": client,
        "redirect_uri": redirect,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "s-123",
        "resource": f"{base}/mcp",
    }
    async with httpx2.AsyncClient(verify=ctx, follow_redirects=False) as http:
        meta = (await http.get(f"{base}/.well-known/oauth-protected-resource/mcp")).json()
        auth_server = meta["authorization_servers"][0]
        as_meta = (await http.get(f"{auth_server}/.well-known/oauth-authorization-server")).json()
        page = await http.get(as_meta["authorization_endpoint"], params=params)
        assert page.status_code == 200 and "client_secret" in page.text, page.text
        r = await http.post(as_meta["authorization_endpoint"], data={**params, "client_secret": secret})
        assert r.status_code in (302, 303, 307), (r.status_code, r.text)
        q = urllib.parse.parse_qs(urllib.parse.urlparse(r.headers["location"]).query)
        assert q["state"] == ["s-123"], q
        r = await http.post(
            as_meta["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": q["code"][0],
                "redirect_uri": redirect,
                "code_verifier": verifier,
                "client_id": client,
            },
        )
        assert r.status_code == 200, r.text
        return r.json()["access_token"]


async def client_credentials(base, ctx, client, secret):
    async with httpx2.AsyncClient(verify=ctx) as http:
        r = await http.post(f"{base}/token", data={"grant_type": "client_credentials"}, auth=(client, secret))
        assert r.status_code == 200, r.text
        return r.json()["access_token"]


async def main():
    base, cafile, mode, *rest = sys.argv[1:]
    ctx = ssl.create_default_context(cafile=cafile)
    if mode == "jwt":
        token = rest[0]
    elif mode == "oauth-code":
        token = await oauth_code(base, ctx, rest[0], rest[1])
    elif mode == "client-credentials":
        token = await client_credentials(base, ctx, rest[0], rest[1])
    else:
        raise SystemExit(f"unknown mode {mode}")
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, verify=ctx, timeout=30) as http:
        async with streamable_http_client(f"{base}/mcp", http_client=http) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                init = await session.initialize()
                tools = await session.list_tools()
                result = await session.call_tool("bridge_whoami", {})
                print(
                    json.dumps(
                        {
                            "server": init.server_info.name,
                            "tools": [t.name for t in tools.tools],
                            "whoami": result.structured_content,
                            "is_error": result.is_error,
                        }
                    )
                )


asyncio.run(main())
