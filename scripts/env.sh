# Sourced by the scripts: puts the tools scripts/setup installs on PATH.
export PATH="$HOME/.cargo/bin:$PWD/.tools/node_modules/.bin:$PATH"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Starts pcscd (with vsmartcard's vpcd readers) unless it runs; no systemd here, so in the
# foreground mode, in the background. $1: its log file.
start_pcscd() {
  pgrep -x pcscd >/dev/null && return 0
  as_root sh -c "pcscd -f > '$1' 2>&1 &"
  for _ in $(seq 50); do [ -S /run/pcscd/pcscd.comm ] && break; sleep 0.1; done
}
