#!/bin/bash
# Re-run every benchmark whose output the README quotes, writing the JSON,
# markdown and plots in this directory.  Takes about 10 minutes on the 2-vCPU
# development VM; run it on an otherwise idle machine.
#   bench/results/regenerate.sh [BUILD_DIR]     (default: build)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
bench=$build/bench/uipc-bench
[ -x "$bench" ] || { echo "regenerate.sh: $bench not found: run tools/dev build first" >&2; exit 1; }
cd "$here"

step() {
	local name=$1
	shift
	echo "== $name: $*" >&2
	local t0=$SECONDS
	"$@"
	echo "== $name: $((SECONDS - t0)) s" >&2
}

plot() { "$bench" report "$1.json" --markdown >"$1.md" && "$bench" report "$1.json" --plot "$1.png"; }

step pingpong "$bench" pingpong --transport all --sizes 32,256,1024,65536 --count 50000 \
	--rounds 5 --cpus 0,1 --json pingpong.json
plot pingpong
step pingpong-b2b "$bench" pingpong --transport uipc,floor,uds,uds-poll,pipe-poll,iceoryx \
	--sizes 32,1024 --count 100000 --rounds 5 --back-to-back --cpus 0,1 --json pingpong-b2b.json
"$bench" report pingpong-b2b.json --markdown >pingpong-b2b.md
mkdir -p issue2-targets
rm -f issue2-targets/run*.json
for i in $(seq 1 10); do
	step "issue2 run $i" "$bench" pingpong --transport uipc,floor,uds,uds-poll --sizes 32 \
		--count 100000 --rounds 5 --cpus 0,1 --json "issue2-targets/run$i.json" --quiet
done
./runs_table.py issue2-targets/run{1..10}.json >issue2-targets/runs.md
step stream "$bench" stream -t uipc,uipc-threads,floor-stream,pipe-poll,uds-poll,zmq \
	-s 64,256 -b 1,64 -n 20000000 -r 5 --cpus 0,1 --json stream.json
"$bench" report stream.json --markdown >stream.md
step zerocopy "$bench" zerocopy --sizes 64k,256k,1M,4M --count 4000 --rounds 20 --cpus 0,1 \
	--json zerocopy.json
"$bench" report zerocopy.json --markdown >zerocopy.md
step all-quick "$bench" all --quick --cpus 0,1 --json all-quick.json
plot all-quick
step wake "$bench" wake --count 300 --rounds 50 --spin-syscalls 100000 --idle-ms 2000 \
	--json wake.json
step openloop "$bench" openloop --rates 100,1000,10000,100000,1000000 --strategy spin,park \
	--duration 1 --transports uipc,uds --cpus 0,1 --json openloop.json
