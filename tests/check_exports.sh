#!/bin/sh
# Every symbol libuipc.so exports is public API (uipc_*) and listed by the
# version script; nothing private leaks out.
set -eu
lib="$1"
bad=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' |
	sed 's/@.*//' | grep -v '^uipc_' | grep -v '^UIPC_1$' || true)
if [ -n "$bad" ]; then
	echo "exported but not uipc_*: $bad"
	exit 1
fi
n=$(nm -D --defined-only "$lib" | grep -c ' T uipc_' || true)
[ "$n" -gt 0 ] || { echo "no uipc_ symbols exported"; exit 1; }
echo "ok: $n uipc_* functions exported, nothing else"
