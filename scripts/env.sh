# Sourced by the scripts: puts the tools scripts/setup installs on PATH.
export PATH="$HOME/.cargo/bin:$PWD/.tools/node_modules/.bin:$PATH"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Starts pcscd (with vsmartcard's vpcd readers) unless it runs; no systemd here, so in the
# foreground mode, in the background. $1: its log file.
# It runs in a session of its own: Playwright ends its web server's whole process group, and a
# pcscd that dies with it would be found still running (and then gone) by the next run.
start_pcscd() {
  pgrep -x pcscd >/dev/null && [ -S /run/pcscd/pcscd.comm ] && return 0
  as_root setsid sh -c "pcscd -f > '$1' 2>&1 &" < /dev/null
  for _ in $(seq 50); do [ -S /run/pcscd/pcscd.comm ] && break; sleep 0.1; done
}
