# Sourced by the scripts: puts the tools scripts/setup installs on PATH.
export PATH="$HOME/.cargo/bin:$PWD/.tools/node_modules/.bin:$PATH"
