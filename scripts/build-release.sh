#!/usr/bin/env bash
# Builds a portable mcp-firewall: release mode, the Swift runtime and Foundation linked in statically
# (--static-swift-stdlib), stripped, the commit recorded for `mcp-firewall --version`. Then checks with
# ldd that the binary needs nothing from the Swift toolchain, and packs it with the shipped policies.
#
#   scripts/build-release.sh [OUTPUT_DIR]     (default: dist/)
#
# The binary runs on a Linux machine of the same architecture with glibc at least as new as this one's
# (it links libc, libm, libstdc++ and libgcc_s dynamically). The build uses its own scratch folder
# (.build-release), so it does not disturb the debug and release builds in .build.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-dist}"
version=$(sed -n 's/^    static let version = "\(.*\)"$/\1/p' Sources/FirewallCLI/BuildInfo.swift)
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit-dirty"; fi

# Record the commit for the build only: BuildInfo.swift is put back however the build ends.
info=Sources/FirewallCLI/BuildInfo.swift
saved=$(mktemp)
cp "$info" "$saved"
trap 'cp "$saved" "$info"; rm -f "$saved"' EXIT
sed -i "s/^    static let commit: String? = nil$/    static let commit: String? = \"$commit\"/" "$info"
grep -q "\"$commit\"" "$info" || { echo "build-release: could not record the commit in $info" >&2; exit 1; }

swift build -c release --product mcp-firewall --static-swift-stdlib --scratch-path .build-release
binary=".build-release/release/mcp-firewall"

mkdir -p "$out"
cp "$binary" "$out/mcp-firewall"
strip "$out/mcp-firewall"

# Portable means: no library from the toolchain, nor any Swift runtime library, is needed at run time.
libraries=$(ldd "$out/mcp-firewall")
echo "$libraries"
if echo "$libraries" | grep -E 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|libcurl|/opt/swift|not found'; then
    echo "build-release: the binary still needs the libraries above" >&2
    exit 1
fi
"$out/mcp-firewall" --version | grep -q "^$version (commit $commit)$" || {
    echo "build-release: --version does not name commit $commit" >&2
    exit 1
}

arch=$(uname -m)
package="mcp-firewall-$version-linux-$arch"
staging=$(mktemp -d)
mkdir -p "$staging/$package"
cp "$out/mcp-firewall" LICENSE README.md "$staging/$package/"
cp -r policies "$staging/$package/"
tar -C "$staging" -czf "$out/$package.tar.gz" "$package"
rm -rf "$staging"
(cd "$out" && sha256sum "$package.tar.gz" > "$package.tar.gz.sha256")
echo "build-release: $out/mcp-firewall ($(du -h "$out/mcp-firewall" | cut -f1)), $out/$package.tar.gz"
