#!/usr/bin/env bash
# Interop suite: official MCP Python SDK client -> mcp-firewall proxy -> real MCP servers.
#
#   .ci/interop/run.sh PATH/TO/mcp-firewall PATH/TO/example-hr-server
#
# Creates (or reuses) a venv at ${VENV:-<repo>/.venv-interop}, installs the pinned
# requirements.txt, then runs `pytest -q .ci/interop`. Exits non-zero on any failure.
# test_differential.py also needs node and go (Debian's nodejs and golang-go): installed here with
# apt-get when missing and we are root.
# Env: VENV (venv dir), PYTHON (interpreter for the venv, default python3),
#      INTEROP_TIMEOUT (seconds for the whole pytest run, default 1200),
#      extra pytest args after the two binaries are passed through (e.g. -k modern).
set -euo pipefail

usage() { echo "usage: $0 MCP_FIREWALL_BIN EXAMPLE_SERVER_BIN [pytest args...]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENV="${VENV:-$REPO/.venv-interop}"
PYTHON="${PYTHON:-python3}"
REQS="$HERE/requirements.txt"

abs_exe() {
  local p="$1"
  if [[ ! -f "$p" || ! -x "$p" ]]; then
    echo "interop: not an executable file: $p (build it first: swift build)" >&2
    exit 2
  fi
  echo "$(cd "$(dirname "$p")" && pwd)/$(basename "$p")"
}
FIREWALL_BIN="$(abs_exe "$1")"
SERVER_BIN="$(abs_exe "$2")"
shift 2

# --- venv (reused when it works, matches $PYTHON's version and was built from this requirements.txt) ---
py_version() { "$1" -c 'import sys; print(".".join(map(str, sys.version_info[:3])))' 2>/dev/null || true; }
base_version="$(py_version "$PYTHON")"
[[ -n "$base_version" ]] || { echo "interop: $PYTHON does not run" >&2; exit 2; }
if [[ "$(py_version "$VENV/bin/python")" != "$base_version" ]]; then
  echo "interop: creating venv $VENV (python $base_version)"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi
want="$(sha256sum "$REQS" | cut -d' ' -f1)"
stamp="$VENV/.interop-requirements.sha256"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "interop: reusing venv $VENV"
else
  echo "interop: installing $REQS into $VENV"
  rm -f "$stamp"
  timeout 900 "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$REQS"
  echo "$want" > "$stamp"
fi
{ "$VENV/bin/python" -m pip --disable-pip-version-check list 2>/dev/null \
    | grep -iE '^(mcp|mcp-types|mcp-server-time|pytest|pytest-timeout|anyio) ' | sed 's/^/interop:   /'; } || true

# --- node and go for the differential decoder suite (test_differential.py) ---
missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v go >/dev/null 2>&1 || missing+=(golang-go)
if [[ ${#missing[@]} -gt 0 ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "interop: installing ${missing[*]} for the differential suite"
    { timeout 600 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 900 \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } \
      || echo "interop: apt-get install ${missing[*]} failed; test_differential.py will fail" >&2
  else
    echo "interop: test_differential.py needs ${missing[*]} (apt-get install ${missing[*]})" >&2
  fi
fi
echo "interop:   node $(node --version 2>/dev/null || echo missing), $(go version 2>/dev/null || echo 'go missing')"

# --- run ---
export MCP_FIREWALL_BIN="$FIREWALL_BIN"
export EXAMPLE_SERVER_BIN="$SERVER_BIN"
export MCP_FIREWALL_NO_TTY=1
export PYTHONDONTWRITEBYTECODE=1
cd "$REPO"
# pytest-timeout bounds each test; this bounds the whole run (and kills it if it ignores TERM).
status=0
timeout --kill-after=20 "${INTEROP_TIMEOUT:-1200}" \
  "$VENV/bin/python" -m pytest -q .ci/interop "$@" </dev/null || status=$?
if [[ $status -eq 124 || $status -eq 137 ]]; then
  echo "interop: pytest run timed out after ${INTEROP_TIMEOUT:-1200}s" >&2
fi
exit "$status"
