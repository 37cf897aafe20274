#!/usr/bin/env bash
# ColorStudio developer entry point: sets up what is missing, then runs something.
#
#   ./scripts/dev.sh app [IMAGE...]  set up, then start the app (on a sample photo by default)
#   ./scripts/dev.sh test [ARGS...]  set up, then run the boundary check, the linter and the whole test suite
#   ./scripts/dev.sh setup           only set up (everything the app needs)
#
# Idempotent: the virtual environment (.venv) is reused, and the package is reinstalled
# only when pyproject.toml changes (a stamp file holds its hash).  On Debian/Ubuntu the
# system libraries Qt needs are installed with apt-get when missing (as root or via sudo).
#
# Environment: PYTHON (interpreter, default python3.11 or python3), VENV (default .venv),
# COLORSTUDIO_TORCH_INDEX (a pip index URL for torch, e.g. a CUDA-specific one).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${VENV:-$ROOT/.venv}"
TORCH_VERSION="2.13.0"
CPU_INDEX="https://download.pytorch.org/whl/cpu"
STAMP="$VENV/.colorstudio-installed"

say() { printf '\033[1m[dev.sh]\033[0m %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

as_root() {  # run a command as root (directly or with sudo), or fail with the command to run
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root to run: $*"
    fi
}

apt_install() {  # returns non-zero when the packages could not be installed
    command -v apt-get >/dev/null 2>&1 || { say "no apt-get: install these yourself: $*"; return 1; }
    say "installing system packages: $*"
    # Another apt/dpkg (an unattended upgrade) may hold the lock: wait for it, up to 5 minutes.
    local lock=(-o DPkg::Lock::Timeout=300)
    as_root env DEBIAN_FRONTEND=noninteractive apt-get "${lock[@]}" install -y -q --no-install-recommends "$@" && return
    as_root apt-get "${lock[@]}" update -q &&
        as_root env DEBIAN_FRONTEND=noninteractive apt-get "${lock[@]}" install -y -q --no-install-recommends "$@"
}

pick_python() {
    if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
    for p in python3.11 python3.12 python3.10 python3; do
        if command -v "$p" >/dev/null 2>&1 &&
           "$p" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
            echo "$p"; return
        fi
    done
    die "Python 3.10 or newer is needed (3.11 recommended): apt-get install python3"
}

make_venv() {
    [ -x "$VENV/bin/python" ] && return
    local py; py="$(pick_python)"
    if ! "$py" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        local ver; ver="$("$py" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        apt_install "python${ver}-venv" || apt_install python3-venv ||
            die "cannot create a virtual environment: install python3-venv"
    fi
    say "creating $VENV with $("$py" --version)"
    "$py" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
}

install_torch() {
    if "$VENV/bin/python" -c "from importlib.metadata import version as v; import sys
sys.exit(v('torch').split('+')[0] != '$TORCH_VERSION')" >/dev/null 2>&1; then
        return
    fi
    # Pinned, and first: an unpinned or CUDA build pulls gigabytes.  Without an NVIDIA GPU
    # the CPU build is preferred (pip ranks 2.13.0+cpu above 2.13.0 when both are found).
    local args=("torch==$TORCH_VERSION")
    if [ -n "${COLORSTUDIO_TORCH_INDEX:-}" ]; then
        args+=(--index-url "$COLORSTUDIO_TORCH_INDEX")
    elif ! command -v nvidia-smi >/dev/null 2>&1 && "$VENV/bin/python" -c "import urllib.request as u
u.urlopen('$CPU_INDEX/torch/', timeout=10)" >/dev/null 2>&1; then
        args+=(--extra-index-url "$CPU_INDEX")   # only when reachable: pip retries slowly
    fi
    say "installing ${args[*]}"
    "$VENV/bin/python" -m pip install "${args[@]}"
}

install_package() {
    local want; want="$(sha256sum pyproject.toml | cut -d' ' -f1) torch==$TORCH_VERSION"
    if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -x "$VENV/bin/colorstudio-cli" ]; then
        return
    fi
    say "installing colorstudio (editable) with its test, fast, train, dask and vfx extras"
    "$VENV/bin/python" -m pip install -e ".[test,fast,train,dask,vfx]"
    echo "$want" > "$STAMP"
}

# Debian package of each shared library Qt (QtGui/QtWidgets, the offscreen and xcb
# platform plugins) loads; only the missing ones are installed.
declare -A QT_LIB_PACKAGE=(
    [libEGL.so.1]=libegl1 [libGL.so.1]=libgl1 [libGLX.so.0]=libglx0 [libOpenGL.so.0]=libopengl0
    [libxkbcommon.so.0]=libxkbcommon0 [libxkbcommon-x11.so.0]=libxkbcommon-x11-0
    [libfontconfig.so.1]=libfontconfig1 [libfreetype.so.6]=libfreetype6
    [libdbus-1.so.3]=libdbus-1-3 [libglib-2.0.so.0]=libglib2.0-0 [libgthread-2.0.so.0]=libglib2.0-0
    [libX11.so.6]=libx11-6 [libX11-xcb.so.1]=libx11-xcb1 [libxcb.so.1]=libxcb1
    [libxcb-cursor.so.0]=libxcb-cursor0 [libxcb-icccm.so.4]=libxcb-icccm4 [libxcb-image.so.0]=libxcb-image0
    [libxcb-keysyms.so.1]=libxcb-keysyms1 [libxcb-randr.so.0]=libxcb-randr0
    [libxcb-render-util.so.0]=libxcb-render-util0 [libxcb-render.so.0]=libxcb-render0
    [libxcb-shape.so.0]=libxcb-shape0 [libxcb-shm.so.0]=libxcb-shm0 [libxcb-sync.so.1]=libxcb-sync1
    [libxcb-util.so.1]=libxcb-util1 [libxcb-xfixes.so.0]=libxcb-xfixes0 [libxcb-xkb.so.1]=libxcb-xkb1
    [libxcb-xinerama.so.0]=libxcb-xinerama0 [libxcb-xinput.so.0]=libxcb-xinput0
    [libpng16.so.16]=libpng16-16 [libz.so.1]=zlib1g [libzstd.so.1]=libzstd1
)

install_qt_libs() {  # "display": also what a real X11 window needs (the app); else the offscreen tests'
    local qt; qt="$("$VENV/bin/python" -c 'import PySide6, os; print(os.path.dirname(PySide6.__file__))')"
    local files=("$qt"/Qt/lib/libQt6Gui.so.6 "$qt"/Qt/lib/libQt6Widgets.so.6 "$qt"/Qt/lib/libQt6DBus.so.6
                 "$qt"/Qt/plugins/platforms/libqoffscreen.so "$qt"/QtWidgets*.so)
    if [ "${1:-}" = display ]; then
        files+=("$qt"/Qt/plugins/platforms/libqxcb.so "$qt"/Qt/lib/libQt6XcbQpa.so.6)
    fi
    local missing
    missing="$(for f in "${files[@]}"; do [ -e "$f" ] && ldd "$f" 2>/dev/null; done |
               awk '/not found/ {print $1}' | sort -u)"
    [ -z "$missing" ] && return
    local pkgs=() unknown=()
    for lib in $missing; do
        if [ -n "${QT_LIB_PACKAGE[$lib]:-}" ]; then pkgs+=("${QT_LIB_PACKAGE[$lib]}"); else unknown+=("$lib"); fi
    done
    if [ ${#unknown[@]} -gt 0 ]; then
        say "warning: Qt needs libraries with no known package: ${unknown[*]}"
    fi
    if [ ${#pkgs[@]} -gt 0 ]; then
        # shellcheck disable=SC2207
        pkgs=($(printf '%s\n' "${pkgs[@]}" | sort -u))
        apt_install "${pkgs[@]}" || die "Qt needs these system packages: ${pkgs[*]}"
    fi
}

setup() {  # "display": the libraries a real window needs too (the app)
    make_venv
    install_torch
    install_package
    install_qt_libs "${1:-}"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
    setup)
        setup display
        say "ready: $VENV"
        ;;
    app)
        setup display
        if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}${QT_QPA_PLATFORM:-}" ]; then
            die "no display found (DISPLAY/WAYLAND_DISPLAY unset); on a headless machine use
       QT_QPA_PLATFORM=offscreen, or the command line: $VENV/bin/colorstudio-cli --help"
        fi
        if [ $# -eq 0 ]; then
            set -- "$("$VENV/bin/python" -c 'from colorstudio.paths import default_sample; print(default_sample())')"
        fi
        exec "$VENV/bin/colorstudio" "$@"
        ;;
    test)
        setup
        say "import boundaries (lint-imports)"
        (cd "$ROOT" && "$VENV/bin/lint-imports" --no-cache)
        say "lint (ruff)"
        (cd "$ROOT" && "$VENV/bin/ruff" check --quiet .)
        say "test suite (pytest)"
        exec "$VENV/bin/python" -m pytest "$@"
        ;;
    *)
        sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        [ -z "$cmd" ] || [ "$cmd" = "-h" ] || [ "$cmd" = "--help" ] || exit 2
        ;;
esac
