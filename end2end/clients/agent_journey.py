"""The /mcp/agent journey with the official Python MCP SDK, as an agent would run it.

    python agent_journey.py <base URL> <agent auth code> <mode> <agent-connect binary> <home>

<mode> is the SDK's protocol negotiation: "auto" (its default: `server/discover`, then the
newest revision both sides speak), "2026-07-28" (pinned to the stateless lifecycle) or
"legacy" (the `initialize` handshake, revision 2025-11-25).

The agent lists the tools of <base>/mcp/agent and calls `authenticate` with the code. In a
session (legacy) the same client session then lists and calls the granted tools. Without one,
the answer gives two commands instead: the agent runs the first as written (the command-line
client redeems the code and keeps the tokens under <home>), and adds the second's stdio server
`agent-connect mcp` the way any stdio client does, here with the SDK's stdio client. Either
way it ends with `whoami` and a scoped `get_quote`. Prints one JSON object with what it saw.
"""

import asyncio
import json
import os
import shlex
import subprocess
import sys

from mcp.client.client import Client
from mcp.client.stdio import StdioServerParameters


def text_of(result) -> str:
    return "\n".join(block.text for block in result.content if getattr(block, "type", "") == "text")


async def use_tools(client: Client) -> dict:
    names = [tool.name for tool in (await client.list_tools()).tools]
    whoami = await client.call_tool("whoami", {}) if "whoami" in names else None
    quote = await client.call_tool("get_quote", {"symbol": "AAPL"}) if "get_quote" in names else None
    return {
        "tools_after": names,
        "whoami_error": None if whoami is None else bool(whoami.is_error),
        "whoami_text": None if whoami is None else text_of(whoami),
        "quote_error": None if quote is None else bool(quote.is_error),
    }


def commands_in(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith(("agent-connect ", "claude mcp add "))]


async def journey(base: str, code: str, mode: str, binary: str, home: str) -> dict:
    env = {**os.environ, "AGENT_CONNECT_HOME": home}
    env.pop("AGENT_CONNECT_SERVER", None)
    async with Client(f"{base}/mcp/agent", mode=mode) as client:
        seen = {"protocol_version": client.protocol_version}
        seen["tools_before"] = [tool.name for tool in (await client.list_tools()).tools]
        auth = await client.call_tool("authenticate", {"code": code})
        seen["authenticate_error"] = bool(auth.is_error)
        seen["authenticate_text"] = text_of(auth)
        if not seen["authenticate_text"].startswith("Not redeemed yet"):
            seen["path"] = "session"
            seen.update(await use_tools(client))
            return seen
    # The stateless path: run the login line verbatim (with this build of agent-connect),
    # then serve the stdio server the second line names.
    seen["path"] = "command line"
    commands = commands_in(seen["authenticate_text"])
    seen["commands"] = commands
    login = shlex.split(commands[0])
    login[0] = binary
    done = subprocess.run(login, env=env, capture_output=True, text=True, check=False)
    seen["login_output"] = done.stdout + done.stderr
    stdio_command = shlex.split(commands[1])[-2:]
    seen["stdio_command"] = stdio_command
    params = StdioServerParameters(command=binary, args=stdio_command[1:], env=env)
    async with Client(params) as bridge:
        seen.update(await use_tools(bridge))
    return seen


if __name__ == "__main__":
    base, code, mode, binary, home = sys.argv[1:6]
    print(json.dumps(asyncio.run(journey(base.rstrip("/"), code, mode, binary, home))))
