# Shared set-up for scripts/run and scripts/test: a virtual environment with marsviz installed,
# and the Debian packages that Qt and VTK need on Linux. Sourced, not run.

MARSVIZ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MARSVIZ_VENV:-$MARSVIZ_ROOT/.venv}"
PY="$VENV/bin/python"

# Debian packages: Xvfb for a virtual screen, and the X/xcb libraries Qt's xcb platform loads.
SYSTEM_PACKAGES=(xvfb xauth libgl1 libegl1 libgl1-mesa-dri libegl-mesa0 libglx-mesa0
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xinput0 libxcb-xkb1 libxcb-sync1
  libxcb-xfixes0 libxrender1 libxi6 libxt6 libfontconfig1 libdbus-1-3 fonts-dejavu-core)

say() { printf 'marsviz setup: %s\n' "$*" >&2; }

ensure_system_packages() {
  [ "$(uname -s)" = "Linux" ] || return 0
  command -v dpkg-query >/dev/null 2>&1 || return 0
  local missing=()
  for p in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      say "missing Debian packages (install them as root): ${missing[*]}"
      return 1
    fi
  fi
  say "installing Debian packages: ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null >/dev/null
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" </dev/null >/dev/null
}

# ensure_venv [extra]: create the venv if needed and install marsviz (with an extra such as
# "test"); skipped when pyproject.toml has not changed since the last install.
ensure_venv() {
  local extra="${1:-}"
  if [ ! -x "$PY" ]; then
    say "creating the virtual environment $VENV"
    python3 -m venv "$VENV"
  fi
  local spec="$MARSVIZ_ROOT"
  [ -n "$extra" ] && spec="$MARSVIZ_ROOT[$extra]"
  local stamp="$VENV/.marsviz-installed${extra:+-$extra}"
  local want
  want="$(sha256sum "$MARSVIZ_ROOT/pyproject.toml" | cut -d' ' -f1) $MARSVIZ_ROOT"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "installing marsviz${extra:+ with its $extra extras} (first time: a few minutes)"
    "$PY" -m pip install -q --disable-pip-version-check --upgrade pip </dev/null
    "$PY" -m pip install -q --disable-pip-version-check -e "$spec" </dev/null
    echo "$want" > "$stamp"
  fi
}
