#!/usr/bin/env bash
# Headless Chromium checks of the HTML report (see check_report.py):
#   - the demo report shows its approval labels, and its timeline filters change the visible rows;
#   - a report of a hostile audit log runs nothing from the log (no alert, no window.__pwned, no CSP report);
#   - the web approval page of a live proxy (see check_approval.py): calls approved and denied in the browser
#     reach the MCP client and the audit log, and markup in arguments is shown as text.
# Usage: bash .ci/browser/run.sh [MCP_FIREWALL_BINARY] [--screenshot docs/report.png]
# Installs Debian's chromium and chromium-driver if missing (CI runs as root), and a pinned selenium in a venv.
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=.build/debug/mcp-firewall
screenshot=()
while [ $# -gt 0 ]; do
    case "$1" in
        --screenshot) screenshot=(--screenshot "$2"); shift 2 ;;
        *) bin=$1; shift ;;
    esac
done

if ! command -v chromium > /dev/null || [ ! -x /usr/bin/chromedriver ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver > /dev/null
fi
venv=${MCP_FIREWALL_BROWSER_VENV:-.build/browser-venv}
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
# 4.51.0: the newest whose dependencies all resolve from the package index this project uses.
"$venv/bin/python" -m pip install -q --disable-pip-version-check "selenium==4.51.0"
export SE_OFFLINE=true  # selenium never downloads a driver: it is given /usr/bin/chromedriver

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" demo --no-terminal --output-dir "$work/demo" > "$work/demo.txt"
hostile_log=$("$venv/bin/python" .ci/browser/check_report.py write-hostile "$work")
# Exit 0 is expected: the two corrupt lines are warnings, the rest renders.
"$bin" report "$hostile_log" -o "$work/hostile.html" --title '<script>window.__pwned=1</script>' 2> "$work/hostile.err"
grep -q "warning: " "$work/hostile.err"
"$venv/bin/python" .ci/browser/check_report.py check --demo "$work/demo/report.html" \
    --hostile "$work/hostile.html" "${screenshot[@]}"
"$venv/bin/python" .ci/browser/check_approval.py "$bin" "$(dirname "$bin")/example-hr-server"
