#!/usr/bin/env bash
# What a fresh Debian or Ubuntu machine lacks to build and run Sổ Vàng (`setup.sh run`) or also
# to test it (`setup.sh test`): says which system packages are missing and installs them
# (with sudo when not root). `make run`, `make test` and `.ci/run` all start here; when
# nothing is missing it only checks, in well under a second.
set -euo pipefail
what="${1:-test}"

# The compiler, WebKitGTK and the libraries the desktop shell links, Node for the UI, Python
# (with venv) for the tests and benchmarks.
pkgs=(build-essential make pkg-config file python3 python3-venv
  libwebkit2gtk-4.1-dev libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev)
# The window's tests: WebKit's WebDriver, a virtual screen and a D-Bus session; pdftotext
# reads the reports back.
if [ "$what" = test ]; then
  pkgs+=(webkit2gtk-driver xvfb xauth dbus poppler-utils)
fi

missing=()
if command -v dpkg-query >/dev/null; then
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "Thiếu gói hệ thống / Missing system packages: ${missing[*]}" >&2
  if ! command -v apt-get >/dev/null; then
    echo "Hãy cài các gói trên rồi chạy lại / Install them, then run this again (apt-get not found)." >&2
    exit 1
  fi
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "Cần quyền root hoặc sudo / Needs root or sudo to install them." >&2; exit 1; }
    sudo=(sudo)
  fi
  echo "Đang cài / Installing…" >&2
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null && [ ! -x "$HOME/.cargo/bin/cargo" ]; then
  echo "Thiếu Rust / Rust is missing: install it with rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi
export PATH="$HOME/.cargo/bin:$PATH"
if [ "$what" = test ]; then
  rustup component add rustfmt clippy >/dev/null 2>&1 || true
  # tauri-driver bridges WebDriver to the app's window (see tests/e2e).
  command -v tauri-driver >/dev/null || cargo install tauri-driver --locked --version 2.1.0
fi
