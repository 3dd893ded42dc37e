"""The example HR server behind mcp-firewall, called from Python with the official MCP SDK.

    pip install mcp
    python3 examples/python-sdk-client.py      # mcp-firewall on PATH

The SDK starts the server (here: the proxy) with only HOME, LOGNAME, PATH, SHELL, TERM and USER
from this process's environment, so $CI and $MCP_FIREWALL_ENV never reach the proxy: this script
names the environment itself with --env. The SDK also starts it in a new session, with no
terminal, so a call that needs confirmation can only be answered through this client (MCP
elicitation: pass an elicitation_callback to ClientSession) or on the approval page
(--approve-web 127.0.0.1:0); otherwise agent-policy.yaml says what happens.
"""

import asyncio
import os
from pathlib import Path

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

HERE = Path(__file__).resolve().parent
STATE = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "mcp-firewall"

# agent-policy.yaml defines both: in `ci` a call nobody can confirm fails the run (exit 75),
# in `dev` it is refused and the session goes on.
ENVIRONMENT = "ci" if os.environ.get("CI") else "dev"

SERVER = StdioServerParameters(
    command="mcp-firewall",
    args=[
        "proxy",
        "--policy", str(HERE / "agent-policy.yaml"),
        "--audit", str(STATE / "python-sdk-client.jsonl"),
        "--env", ENVIRONMENT,
        "--",
        "mcp-firewall", "example-server",
    ],
)


def text(result) -> str:
    """The text parts of a tool result, joined."""
    return " ".join(part.text for part in result.content if getattr(part, "text", None))


async def main() -> None:
    async with stdio_client(SERVER) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = await session.list_tools()
            print("tools:", ", ".join(tool.name for tool in tools.tools))
            print("get_employee:", text(await session.call_tool("get_employee", {"employee_id": "E-1001"})))
            # Sensitive: refused by the policy, and the refusal is a tool result the model can read.
            print("export_payroll:", text(await session.call_tool("export_payroll", {})))


if __name__ == "__main__":
    asyncio.run(main())
