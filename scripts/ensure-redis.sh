#!/usr/bin/env bash
# ensure-redis.sh — make sure a Redis answers, starting a local one if needed.
#
#   scripts/ensure-redis.sh [URL_OR_PORT]        default: $REDIS_URL, else 6379
#   scripts/ensure-redis.sh stop [URL_OR_PORT]   stop the Redis this script started there
#
# URL_OR_PORT: 6379, 127.0.0.1:6379, redis://localhost:6380 or redis://host:port/db.
# If a Redis already answers PING there, its URL is printed and nothing is started.
# Otherwise (loopback hosts only) redis-server is started on 127.0.0.1:<port>, daemonized,
# with its data, log and pidfile under <repo>/.run/redis-<port>/ and --appendonly yes
# (durability tests restart it and expect the data back); the script waits until it
# answers and prints its URL (redis://127.0.0.1:<port>) on stdout. Messages go to stderr.
# "stop" stops only a Redis whose pidfile this script wrote; a Redis started some other
# way is left alone.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf 'ensure-redis: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# parse URL_OR_PORT into HOST, PORT and URL.
parse() {
	local a=$1 hostport
	if [[ $a =~ ^[0-9]+$ ]]; then
		HOST=127.0.0.1 PORT=$a
		URL="redis://127.0.0.1:$PORT"
		return
	fi
	URL=$a
	[[ $a == redis://* ]] || URL="redis://$a"
	hostport=${URL#redis://}
	hostport=${hostport#*@} # drop user:password@
	hostport=${hostport%%/*}
	if [[ $hostport == \[*\]* ]]; then # [::1]:6379
		HOST=${hostport%%]*}
		HOST=${HOST#[}
		PORT=${hostport##*]}
		PORT=${PORT#:}
	elif [[ $hostport == *:* ]]; then
		HOST=${hostport%:*} PORT=${hostport##*:}
	else
		HOST=$hostport PORT=""
	fi
	[[ -n $HOST ]] || HOST=127.0.0.1
	[[ -n $PORT ]] || PORT=6379
	[[ $PORT =~ ^[0-9]+$ && $PORT -ge 1 && $PORT -le 65535 ]] || die "bad port in '$1'"
}

is_loopback() { [[ $1 == localhost || $1 == 127.* || $1 == ::1 ]]; }

answers() {
	local out
	out=$(timeout 2 redis-cli -h "$HOST" -p "$PORT" ping 2>/dev/null) || return 1
	[[ $out == PONG || $out == NOAUTH* || $out == *"Authentication required"* ]]
}

# our_pid: the pid in our pidfile, if that process is a redis-server.
our_pid() {
	local pid
	[[ -f $PIDFILE ]] || return 1
	pid=$(<"$PIDFILE")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	[[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *redis-server* ]] || return 1
	echo "$pid"
}

start() {
	if answers; then
		say "Redis answers at $HOST:$PORT"
		echo "$URL"
		return
	fi
	is_loopback "$HOST" || die "no Redis answers at $HOST:$PORT (only a loopback one can be started here)"
	command -v redis-server >/dev/null || die "redis-server not installed (run scripts/setup.sh)"
	mkdir -p "$DIR"
	say "starting redis-server on 127.0.0.1:$PORT (data in ${DIR#"$REPO"/})"
	redis-server --bind 127.0.0.1 --port "$PORT" --daemonize yes \
		--dir "$DIR" --pidfile "$PIDFILE" --logfile "$DIR/redis.log" \
		--appendonly yes --appendfsync everysec --save "" >/dev/null
	HOST=127.0.0.1
	local i
	for ((i = 0; i < 100; i++)); do
		if answers; then
			echo "redis://127.0.0.1:$PORT"
			return
		fi
		sleep 0.1
	done
	tail -n 20 "$DIR/redis.log" >&2 2>/dev/null || true
	die "redis-server on 127.0.0.1:$PORT did not answer within 10s"
}

stop() {
	local pid i
	if ! pid=$(our_pid); then
		say "no Redis started by this script on port $PORT"
		return 0
	fi
	kill -TERM "$pid"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || { say "stopped redis-server (pid $pid) on port $PORT"; return 0; }
		sleep 0.1
	done
	die "redis-server (pid $pid) did not stop within 10s"
}

cmd=start
if [[ ${1:-} == stop ]]; then
	cmd=stop
	shift
fi
[[ $# -le 1 ]] || die "usage: ensure-redis.sh [stop] [URL_OR_PORT]"
parse "${1:-${REDIS_URL:-6379}}"
DIR="$REPO/.run/redis-$PORT"
PIDFILE="$DIR/redis.pid"
"$cmd"
