#!/usr/bin/env bash
# Load benchmark: our relay and coturn's turnserver, side by side, driven in turn by the same real
# TURN client (coturn's turnutils_uclient: REST-secret auth, channels, 172-byte messages every
# 20 ms) towards one UDP echo peer (turnutils_peer), all on loopback. Prints, per server: loss,
# average round trip, server CPU-seconds while the client ran (cpu_s: allocating and forwarding;
# forwarding_cpu_s: from the last allocation to the end), CPU per forwarded packet (forwarding
# phase), peak RSS, and the datagrams the kernel dropped on the server's own UDP sockets
# (server_kernel_drops), on the echo peer's and on the whole host (RcvbufErrors). A run with loss
# is flagged LOSS, one whose client ended without totals FAILED; a round with a FAILED run does
# not enter the median. Each client makes two allocations (1,000 for the default 500 clients).
# Each server first gets the same warm-up run (100 clients x 250 messages; for the JVM that is
# when the JIT compiles the path), printed too; the ratio compares the measured runs.
#
#   ./pq bench relay [CLIENTS] [MESSAGES] [ROUNDS]   (defaults 500, 500 (10 s of media per
#                                                      client) and 5 alternating rounds)
#   PQ_RELAY_ARGS="--udp-io plain" ./pq bench relay   (extra options for our relay: here the
#                                                      path without batched system calls)
#   PQ_BENCH_SYSCALLS=1 ./pq bench relay              (also count each server's UDP system
#                                                      calls in the forwarding phase: perf stat on
#                                                      syscall tracepoints, as root)
#
# Every process started here is stopped by PID; the loops are bounded by count and time.
# turnutils_uclient does not release its allocations when it ends (they expire after 600 s), so
# each server gets 10,000 relayed ports, below the kernel's ephemeral range.
set -euo pipefail
CLIENTS=${1:-500}
MESSAGES=${2:-500}
ROUNDS=${3:-5}
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SECRET="bench-secret-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
PEER_PORT=3480
OURS_PORT=3578
COTURN_PORT=3579
TICKS=$(getconf CLK_TCK)
WORK=$(mktemp -d)
PIDS=()

cleanup() {
  [[ -s "$WORK/ours.out" ]] && { echo "our relay printed:" >&2; grep -v "^relay ready" "$WORK/ours.out" >&2 || true; }
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

command -v turnserver >/dev/null || { echo "coturn is not installed (apt-get install -y coturn)" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# Datagrams the kernel dropped on a process's UDP sockets (the drops column of /proc/net/udp and
# udp6, for the socket inodes among its descriptors): receive buffers that overflowed.
sock_drops() { # pid
  local inodes
  inodes=$(find "/proc/$1/fd" -lname 'socket:*' -printf '%l\n' 2>/dev/null | tr -dc '0-9\n')
  awk 'NR == FNR {want[$1] = 1; next} FNR > 1 && ($10 in want) {d += $NF} END {print d + 0}' \
    <(echo "$inodes") /proc/net/udp /proc/net/udp6
}

# The host's UDP receive-buffer errors (/proc/net/snmp): every socket, clients and peer included.
rcvbuf_errors() {
  awk '/^Udp:/ {if (!h) {for (i = 1; i <= NF; i++) col[$i] = i; h = 1} else print $col["RcvbufErrors"]}' /proc/net/snmp
}
peak_rss_mb() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

wait_for_stun() { # port: until a Binding request is answered (bounded: 100 x 0.1 s)
  for _ in $(seq 100); do
    if timeout 1 turnutils_stunclient -p "$1" 127.0.0.1 >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "server on port $1 did not answer STUN" >&2
  return 1
}

SYSCALLS=(recvfrom sendto recvmsg sendmsg recvmmsg sendmmsg read write epoll_wait)

count_syscalls() { # pid file: perf stat on the syscall tracepoints until SIGINT; its PID in COUNTER
  local events
  events=$(printf 'syscalls:sys_enter_%s,' "${SYSCALLS[@]}")
  perf stat -x, -e "${events%,}" -p "$1" -o "$2" >/dev/null 2>&1 &
  COUNTER=$!
}

syscall_summary() { # file: 'name=count ...' for the calls made
  awk -F, '$3 ~ /sys_enter_/ && $1 + 0 > 0 {sub(/.*sys_enter_/, "", $3); printf "%s=%s ", $3, $1}' "$1"
}

run_client() { # name port pid clients messages
  local name=$1 port=$2 pid=$3 clients=$4 messages=$5 before mid after out client
  COUNTER=""
  out="$WORK/$name.uclient"
  before=$(cpu_ticks "$pid")
  local drops0 peer_drops0 host_errors0
  drops0=$(sock_drops "$pid")
  peer_drops0=$(sock_drops "$PEER")
  host_errors0=$(rcvbuf_errors)
  timeout 900 turnutils_uclient -m "$clients" -n "$messages" -l 172 -z 20 -c -e 127.0.0.1 -r "$PEER_PORT" \
    -W "$SECRET" -u bench -p "$port" 127.0.0.1 >"$out" 2>&1 &
  client=$!
  # The client allocates everything first ("Total connect time"), then sends: the CPU from that
  # line to the end is the forwarding phase. Polled every 50 ms, for at most 900 s.
  mid=""
  for _ in $(seq 18000); do
    if [[ -z "$mid" ]] && grep -q "Total connect time" "$out"; then
      mid=$(cpu_ticks "$pid")
      if [[ "${PQ_BENCH_SYSCALLS:-}" == 1 ]]; then count_syscalls "$pid" "$WORK/$name.syscalls"; fi
    fi
    kill -0 "$client" 2>/dev/null || break
    sleep 0.05
  done
  wait "$client" || true
  after=$(cpu_ticks "$pid")
  local drops peer_drops host_errors
  drops=$(( $(sock_drops "$pid") - drops0 ))
  peer_drops=$(( $(sock_drops "$PEER") - peer_drops0 ))
  host_errors=$(( $(rcvbuf_errors) - host_errors0 ))
  if [[ -n "$COUNTER" ]]; then
    kill -INT "$COUNTER" 2>/dev/null || true
    wait "$COUNTER" 2>/dev/null || true
    echo "$name syscalls in the forwarding phase: $(syscall_summary "$WORK/$name.syscalls")"
  fi
  mid=${mid:-$before}
  local sent recv lost rtt
  # A client run that failed prints no totals: report '?' rather than end the benchmark.
  sent=$(grep -o 'tot_send_msgs=[0-9]*' "$out" | tail -1 | cut -d= -f2 || true)
  recv=$(grep -o 'tot_recv_msgs=[0-9]*' "$out" | tail -1 | cut -d= -f2 || true)
  lost=$(grep -o 'Total lost packets [0-9]* ([0-9.]*%)' "$out" | tail -1 | sed 's/Total lost packets //' || true)
  lost=${lost:-?}
  rtt=$(grep -o 'Average round trip delay [0-9.]* ms' "$out" | tail -1 | awk '{print $5}' || true)
  if [[ -z "$sent" ]]; then
    echo "$name: turnutils_uclient ended without totals; its last lines:" >&2
    tail -3 "$out" >&2
  fi
  local cpu fwd_cpu forwarded
  cpu=$(awk -v t=$((after - before)) -v hz="$TICKS" 'BEGIN {printf "%.2f", t / hz}')
  fwd_cpu=$(awk -v t=$((after - mid)) -v hz="$TICKS" 'BEGIN {printf "%.2f", t / hz}')
  forwarded=$(( ${sent:-0} + ${recv:-0} )) # each message crosses the relay twice: out and back
  # A run with loss is flagged; one without totals (the client failed) is flagged too and kept
  # out of the median.
  local flag=""
  if [[ -z "$sent" ]]; then
    flag=" FAILED"
  elif [[ "${lost%% *}" != "0" ]]; then
    flag=" LOSS"
  fi
  printf '%-14s clients=%s sent=%s received=%s lost=%s avg_rtt_ms=%s cpu_s=%s forwarding_cpu_s=%s cpu_us_per_packet=%s peak_rss_mb=%s server_kernel_drops=%s peer_kernel_drops=%s host_rcvbuf_errors=%s%s\n' \
    "$name" "$clients" "${sent:-?}" "${recv:-?}" "${lost// /_}" "${rtt:-?}" "$cpu" "$fwd_cpu" \
    "$(awk -v c="$fwd_cpu" -v n="$forwarded" 'BEGIN {if (n > 0) printf "%.2f", c * 1e6 / n; else print "?"}')" \
    "$(peak_rss_mb "$pid")" "$drops" "$peer_drops" "$host_errors" "$flag" | tee -a "$WORK/results"
}

turnutils_peer -L 127.0.0.1 -p "$PEER_PORT" >/dev/null 2>&1 &
PEER=$!
PIDS+=($PEER)

"$ROOT/pq" build >&2
java ${PQ_RELAY_JAVA_OPTS:--Xmx128m -XX:+UseSerialGC -XX:AutoBoxCacheMax=65535} -Djava.util.logging.config.file="$ROOT/config/logging.properties" \
  -jar "$ROOT/media-relay/target/pq-relay.jar" \
  --listen "udp:127.0.0.1:$OURS_PORT" --realm pq.bench --auth-secret "$SECRET" --allow-peer 127.0.0.0/8 \
  --relay-ports 20000-29999 --max-per-user 100000 --unauth-rate 100000 ${PQ_RELAY_ARGS:-} >"$WORK/ours.out" 2>&1 &
OURS=$!
PIDS+=($OURS)
turnserver -n --listening-ip=127.0.0.1 --listening-port="$COTURN_PORT" --relay-ip=127.0.0.1 \
  --min-port=10000 --max-port=19999 --use-auth-secret --static-auth-secret="$SECRET" --realm=pq.bench \
  --allow-loopback-peers --no-cli --no-tls --no-dtls --no-tcp --log-file=/dev/null --simple-log >/dev/null 2>&1 &
COTURN=$!
PIDS+=($COTURN)
wait_for_stun "$OURS_PORT"
wait_for_stun "$COTURN_PORT"

# Both servers run side by side; measured rounds alternate between them so that whatever else
# the machine does falls on both alike. The ratio is the median over rounds.
run_client ours-warmup "$OURS_PORT" "$OURS" 100 250
run_client coturn-warmup "$COTURN_PORT" "$COTURN" 100 250
for r in $(seq "$ROUNDS"); do
  run_client "ours-$r" "$OURS_PORT" "$OURS" "$CLIENTS" "$MESSAGES"
  run_client "coturn-$r" "$COTURN_PORT" "$COTURN" "$CLIENTS" "$MESSAGES"
done

awk -v rounds="$ROUNDS" '
     {for (i = 1; i <= NF; i++) {split($i, kv, "="); v[$1, kv[1]] = kv[2]}
      if ($NF == "FAILED" || $NF == "LOSS") flag[$1] = $NF}
     END {n = 0
          for (r = 1; r <= rounds; r++) {
            o = v["ours-" r, "cpu_us_per_packet"]; c = v["coturn-" r, "cpu_us_per_packet"]
            if (flag["ours-" r] == "FAILED" || flag["coturn-" r] == "FAILED" || o !~ /^[0-9.]+$/ || c !~ /^[0-9.]+$/ || c == 0) {
              printf "round %d: not counted (a client run failed)\n", r
              continue
            }
            q[++n] = o / c
            note = ""
            if (flag["ours-" r] == "LOSS") note = note " LOSS on ours (lost " v["ours-" r, "lost"] ", kernel drops " v["ours-" r, "server_kernel_drops"] ")"
            if (flag["coturn-" r] == "LOSS") note = note " LOSS on coturn (lost " v["coturn-" r, "lost"] ", kernel drops " v["coturn-" r, "server_kernel_drops"] ")"
            printf "round %d: CPU per forwarded packet, ours / coturn: %.2f%s\n", r, q[n], note
          }
          for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (q[j] < q[i]) {t = q[i]; q[i] = q[j]; q[j] = t}
          if (n > 0) printf "median over %d valid rounds, ours / coturn: %.2f\n", n, (n % 2 ? q[(n + 1) / 2] : (q[n / 2] + q[n / 2 + 1]) / 2)
          else print "no valid round: no median"}' \
  "$WORK/results"
