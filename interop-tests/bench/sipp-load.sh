#!/usr/bin/env bash
# SIP load against one auto-answering phone: sipp (Debian sip-tester) places CALLS plain calls
# over TCP at RATE calls/s, at most MAXCONC at once, each held HOLD_MS, bounded by a timeout.
# Prints sipp's successful/failed counts and the phone's sockets, threads and RSS before and
# after; exits non-zero if any call failed or sockets/threads grew.
#   ./pq bench sipp [CALLS RATE MAXCONC HOLD_MS]
set -euo pipefail
CALLS="${1:-3000}"; RATE="${2:-140}"; MAXCONC="${3:-300}"; HOLD="${4:-1000}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PORT=5300
WORK="$(mktemp -d)"
PHONE_PID=""
cleanup() {
  [[ -n "$PHONE_PID" ]] && kill "$PHONE_PID" 2>/dev/null && wait "$PHONE_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

command -v sipp >/dev/null || { echo "bench sipp: needs sipp (apt-get install sip-tester)" >&2; exit 2; }
java -Duser.home="$HOME" -Djava.util.logging.config.file="$ROOT/config/logging.properties" \
  -cp "$ROOT/interop-tests/target/classes:$(cat "$ROOT/interop-tests/target/classpath.txt")" org.pqsip.phone.Phone \
  --sip tcp:127.0.0.1:$PORT --user sip:load@pq.test --auto-answer --policy prefer \
  --media 127.0.0.1:42000-47999 --state-dir "$WORK/state" --json > "$WORK/phone.out" 2>&1 &
PHONE_PID=$!
for _ in $(seq 1 300); do grep -q '"event":"ready"' "$WORK/phone.out" && break; sleep 0.1; done
grep -q '"event":"ready"' "$WORK/phone.out" || { echo "phone did not start"; cat "$WORK/phone.out"; exit 1; }

fds() { ls "/proc/$PHONE_PID/fd" | wc -l; }
threads() { awk '/^Threads:/ {print $2}' "/proc/$PHONE_PID/status"; }
rss() { awk '/^VmRSS:/ {print $2 " " $3}' "/proc/$PHONE_PID/status"; }
F0=$(fds); T0=$(threads)
echo "sipp: $CALLS calls, $RATE calls/s, at most $MAXCONC at once, each held $HOLD ms, SIP over TCP"
START=$(date +%s.%N)
set +e
(cd "$WORK" && timeout $(( CALLS / RATE + 120 )) sipp -sn uac -t t1 -r "$RATE" -m "$CALLS" -l "$MAXCONC" -d "$HOLD" \
  -s load 127.0.0.1:$PORT -nostdin -timeout "$(( CALLS / RATE + 90 ))s" -trace_stat -stf stat.csv > sipp.out 2>&1)
SIPP_RC=$?
set -e
END=$(date +%s.%N)
# The phone has ended every call once its 'ended' events match sipp's calls (bounded wait).
for _ in $(seq 1 300); do
  [[ $(grep -c '"event":"ended"' "$WORK/phone.out") -ge $CALLS ]] && break; sleep 0.1
done
F1=$(fds); T1=$(threads)
LAST=$(tail -n 1 "$WORK/stat.csv")
HEAD=$(head -n 1 "$WORK/stat.csv")
col() { awk -F';' -v name="$1" 'NR==1 {for (i=1;i<=NF;i++) if ($i==name) c=i} NR==2 {print $c}' <(printf '%s\n%s\n' "$HEAD" "$LAST"); }
OK=$(col SuccessfulCall\(C\)); FAILED=$(col FailedCall\(C\)); INVITE_200=$(col ResponseTime1\(C\))
ESTABLISHED=$(grep -c '"event":"established"' "$WORK/phone.out" || true)
ERRORS=$(grep -c '"event":"error"' "$WORK/phone.out" || true)
printf 'sipp exit %s, successful %s, failed %s, wall %.1f s (%.0f calls/s)\n' "$SIPP_RC" "$OK" "$FAILED" \
  "$(echo "$END - $START" | bc)" "$(echo "$OK / ($END - $START)" | bc -l)"
echo "sipp: INVITE -> 200 OK mean over the run $INVITE_200 (hh:mm:ss:us)"
echo "phone: established $ESTABLISHED, error events $ERRORS; sockets $F0 -> $F1, threads $T0 -> $T1, RSS $(rss)"
[[ "$SIPP_RC" == 0 && "$FAILED" == 0 && "$F1" -le $(( F0 + 2 )) && "$T1" -le $(( T0 + 4 )) ]]
