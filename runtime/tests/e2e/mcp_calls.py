"""Runs a list of tool calls through the official Python MCP SDK in one session.

Usage: mcp_calls.py BASE_URL CA_FILE TOKEN < steps.json
steps.json: [{"tool": NAME, "args": {...}}, ...]
Prints one JSON object: {"tools": [names from tools/list], "results": [per step:
{"is_error": bool, "text": str, "structured": obj, "images": [{"mime", "data" (base64)}]}
or {"protocol_error": str}]}.
"""

import asyncio
import json
import ssl
import sys

import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError


async def main():
    base, cafile, token = sys.argv[1:4]
    steps = json.load(sys.stdin)
    ctx = ssl.create_default_context(cafile=cafile)
    out = {"tools": [], "results": []}
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, verify=ctx, timeout=120) as http:
        async with streamable_http_client(f"{base}/mcp", http_client=http) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                await session.initialize()
                listed = await session.list_tools()
                out["tools"] = [t.name for t in listed.tools]
                out["schemas"] = {t.name: t.input_schema for t in listed.tools}
                for step in steps:
                    try:
                        r = await session.call_tool(step["tool"], step.get("args", {}))
                        text = "".join(c.text for c in r.content if getattr(c, "type", "") == "text")
                        images = [
                            {"mime": c.mime_type, "data": c.data}
                            for c in r.content
                            if getattr(c, "type", "") == "image"
                        ]
                        out["results"].append(
                            {"is_error": bool(r.is_error), "text": text, "structured": r.structured_content, "images": images}
                        )
                    except MCPError as e:
                        out["results"].append({"protocol_error": str(e)})
    print(json.dumps(out))


asyncio.run(main())
