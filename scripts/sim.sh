# Sourced: start_sim SIM_BINARY [ARGS...] starts runcloud-sim on a free port and
# sets SIM_URL (the API root) and SIM_BASE; stop_sim stops it.
start_sim() {
  local bin=$1; shift
  SIM_PORT_FILE=$(mktemp)
  rm -f "$SIM_PORT_FILE"
  "$bin" --port 0 --port-file "$SIM_PORT_FILE" "$@" >/dev/null &
  SIM_PID=$!
  for _ in $(seq 1 100); do
    [ -s "$SIM_PORT_FILE" ] && break
    sleep 0.05
  done
  if [ ! -s "$SIM_PORT_FILE" ]; then
    echo "runcloud-sim did not start" >&2
    return 1
  fi
  local port; port=$(cat "$SIM_PORT_FILE")
  local scheme=http
  case " $* " in *" --tls-cert "*|*" --tls-generate "*) scheme=https ;; esac
  SIM_BASE="$scheme://127.0.0.1:$port"
  SIM_URL="$SIM_BASE/api"
  export SIM_URL SIM_BASE
}
stop_sim() {
  [ -n "${SIM_PID:-}" ] && kill "$SIM_PID" 2>/dev/null || true
  [ -n "${SIM_PID:-}" ] && wait "$SIM_PID" 2>/dev/null || true
  rm -f "${SIM_PORT_FILE:-}"
}
