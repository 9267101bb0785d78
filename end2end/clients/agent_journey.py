"""The /mcp/agent journey with the official Python MCP SDK, as an agent would run it.

    python agent_journey.py <base URL> <agent auth code>

Connects to <base>/mcp/agent with the SDK's defaults (protocol negotiation "auto"), lists the
tools, calls `authenticate` with the code, lists the tools again in the same client session,
and calls `whoami`. Prints one JSON object with what it saw, for the end-to-end test to check.
"""

import asyncio
import json
import sys

from mcp.client.client import Client


def text_of(result) -> str:
    return "\n".join(block.text for block in result.content if getattr(block, "type", "") == "text")


async def journey(base: str, code: str) -> dict:
    async with Client(f"{base}/mcp/agent") as client:
        before = [tool.name for tool in (await client.list_tools()).tools]
        auth = await client.call_tool("authenticate", {"code": code})
        after = [tool.name for tool in (await client.list_tools()).tools]
        whoami = await client.call_tool("whoami", {}) if "whoami" in after else None
        return {
            "protocol_version": client.protocol_version,
            "tools_before": before,
            "authenticate_error": bool(auth.is_error),
            "authenticate_text": text_of(auth),
            "tools_after": after,
            "whoami_error": None if whoami is None else bool(whoami.is_error),
            "whoami_text": None if whoami is None else text_of(whoami),
        }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(journey(sys.argv[1].rstrip("/"), sys.argv[2]))))
