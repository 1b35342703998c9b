#!/usr/bin/env bash
# Three tidewatch demo nodes as a cluster on this machine (loopback only):
# each its own data directory, HTTP port and route port; one of them
# generates the demo's simulated traffic and radar story, and every node
# shows the same picture from the replicated log. Ctrl-C stops them all.
#
#   scripts/cluster-demo.sh [DIR] [-- demo options for every node]
#
# DIR holds the nodes' data directories and logs (default: a new
# temporary directory, deleted at exit; a DIR given is kept, and running
# the script on it again continues the same demo). Environment:
#   TIDEWATCH   the tidewatch binary (default: ./tidewatch, else on PATH)
#   HTTP_PORT   the first node's HTTP port (default 8081; then 8082, 8083)
#   ROUTE_PORT  the first node's route port (default 6221; then 6222, 6223)
#   READY_WAIT  seconds to wait for every node's /readyz (default 300)
set -euo pipefail

tw=${TIDEWATCH:-}
if [ -z "$tw" ]; then
	if [ -x ./tidewatch ]; then tw=./tidewatch; else tw=tidewatch; fi
fi
command -v "$tw" >/dev/null || { echo "cluster-demo: no tidewatch binary (build one: go build -o tidewatch ./cmd/tidewatch, or set TIDEWATCH)" >&2; exit 2; }
case $tw in */*) tw=$(cd "$(dirname "$tw")" && pwd)/$(basename "$tw") ;; esac

root= made=
if [ $# -gt 0 ] && [ "$1" != "--" ]; then root=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" = "--" ]; then shift; fi
extra=("$@")
if [ -z "$root" ]; then
	root=$(mktemp -d "${TMPDIR:-/tmp}/tidewatch-cluster-demo.XXXXXX")
	made=1
fi
mkdir -p "$root"
root=$(cd "$root" && pwd)

http=${HTTP_PORT:-8081} route=${ROUTE_PORT:-6221} wait_s=${READY_WAIT:-300}
names=(a b c)

# node_cmd I prints node I's command, quoted for a shell.
node_cmd() {
	local i=$1 j args
	args=("$tw" demo --data "$root/${names[i]}" --listen "127.0.0.1:$((http + i))"
		--cluster-name "${names[i]}" --cluster-listen "127.0.0.1:$((route + i))")
	for j in 0 1 2; do
		[ "$j" = "$i" ] || args+=(--cluster-peer "127.0.0.1:$((route + j))")
	done
	args+=(${extra[@]+"${extra[@]}"})
	printf '%q ' "${args[@]}"
}

# start I starts node I in the background, its output in DIR/NAME.log,
# its process id in DIR/NAME.pid (the restart command printed below does
# the same, so that Ctrl-C stops a restarted node too).
start() {
	local i=$1
	eval "$(node_cmd "$i") >>$(printf %q "$root/${names[i]}.log") 2>&1 &"
	disown "$!" 2>/dev/null || true
	echo $! >"$root/${names[i]}.pid"
}

# ready PORT: whether the node on PORT answers GET /readyz with 200 (bash's
# /dev/tcp, so that nothing but bash is needed; 5 s at most).
ready() {
	local status=
	{ exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
	printf 'GET /readyz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
	IFS= read -r -t 5 status <&3 || true
	exec 3<&-
	case $status in "HTTP/1."?" 200"*) return 0 ;; esac
	return 1
}

# alive PID: whether the process runs (an exited one not yet reaped, a
# zombie, does not).
alive() {
	kill -0 "$1" 2>/dev/null || return 1
	if [ -r "/proc/$1/stat" ]; then
		case $(cat "/proc/$1/stat" 2>/dev/null) in *") Z "*) return 1 ;; esac
	fi
	return 0
}

stopping=
stop() {
	[ -z "$stopping" ] || return 0
	stopping=1
	trap - INT TERM
	local n pid
	for n in "${names[@]}"; do
		pid=$(cat "$root/$n.pid" 2>/dev/null) || continue
		kill -TERM "$pid" 2>/dev/null || true
	done
	# Each node flushes its store and leaves the cluster: up to a minute,
	# then it is killed.
	local tries
	for n in "${names[@]}"; do
		pid=$(cat "$root/$n.pid" 2>/dev/null) || continue
		tries=300
		while alive "$pid" && [ $((tries -= 1)) -gt 0 ]; do sleep 0.2; done
		if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
		rm -f "$root/$n.pid"
	done
	if [ -n "$made" ]; then
		rm -rf "$root"
	else
		echo "cluster-demo: stopped; data and logs kept in $root" >&2
	fi
}
trap stop EXIT
trap 'exit 130' INT TERM

for i in 0 1 2; do start "$i"; done
echo "cluster-demo: starting three nodes (data and logs in $root) ..."

deadline=$((SECONDS + wait_s))
for i in 0 1 2; do
	until ready "$((http + i))"; do
		pid=$(cat "$root/${names[i]}.pid")
		if ! alive "$pid"; then
			echo "cluster-demo: node ${names[i]} stopped; the end of $root/${names[i]}.log:" >&2
			tail -n 20 "$root/${names[i]}.log" >&2
			exit 1
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "cluster-demo: node ${names[i]} not ready after ${wait_s}s; see $root/${names[i]}.log" >&2
			exit 1
		fi
		sleep 1
	done
done

cat <<EOF

All three nodes are ready. The same picture on each map:
  node a  http://127.0.0.1:$http   (generates the simulated traffic)
  node b  http://127.0.0.1:$((http + 1))
  node c  http://127.0.0.1:$((http + 2))

Kill node b (SIGKILL) and restart it; it catches up from the log and its
/readyz is 503 until it has:
  kill -9 \$(cat $(printf %q "$root/b.pid")); while kill -0 \$(cat $(printf %q "$root/b.pid")) 2>/dev/null; do sleep 0.2; done
  $(node_cmd 1) >>$(printf %q "$root/b.log") 2>&1 & echo \$! > $(printf %q "$root/b.pid")

Kill node a and the simulated traffic pauses on b and c (they keep
serving); restarted, it catches up and continues the same demo from then:
  kill -9 \$(cat $(printf %q "$root/a.pid")); while kill -0 \$(cat $(printf %q "$root/a.pid")) 2>/dev/null; do sleep 0.2; done
  $(node_cmd 0) >>$(printf %q "$root/a.log") 2>&1 & echo \$! > $(printf %q "$root/a.pid")

Ctrl-C stops all three.
EOF

while :; do sleep 1; done
