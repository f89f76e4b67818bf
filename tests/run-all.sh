#!/usr/bin/env bash
# Runs the whole test suite, every end-to-end test on SQLite and on PostgreSQL.
# Without CIE_TEST_POSTGRES_URL it makes a throwaway PostgreSQL cluster of its own (installing the
# server with apt-get when missing), runs the tests against it and removes it afterwards.
# It fails, naming the problem, if it cannot get a PostgreSQL: the PostgreSQL half is never skipped. The
# cluster is made with the C locale whatever the caller's; each test drops the database it made, so a server
# the caller supplies is left as it was found.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "run-all: $*" >&2; exit 1; }

# Installs Debian packages (the arguments after the first) with apt-get when running as root; otherwise, or
# when apt-get fails, stops naming them and why they are needed (the first argument).
apt_install() {
  local why=$1
  shift
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "run-all: $* not found; installing with apt-get" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null) \
      || fail "apt-get could not install $*: $why"
  else
    fail "$* not found: install the Debian package(s) $*: $why"
  fi
}

find_pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; fi
}

start_private_cluster() {
  local bin
  bin=$(find_pg_bin)
  if [ -z "$bin" ]; then
    apt_install "the PostgreSQL half of the tests needs a server (or set CIE_TEST_POSTGRES_URL to one whose user may CREATE DATABASE)" postgresql
    bin=$(find_pg_bin)
    [ -n "$bin" ] || fail "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql; install the postgresql package or set CIE_TEST_POSTGRES_URL"
  fi

  PG_DIR=$(mktemp -d /tmp/cie-test-pg.XXXXXX)
  local run=()
  if [ "$(id -u)" -eq 0 ]; then
    # initdb refuses to run as root: the cluster belongs to the postgres system user.
    id postgres >/dev/null 2>&1 || fail "running as root but there is no 'postgres' user to own the test cluster"
    chown postgres "$PG_DIR"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bin/initdb" -D "$PG_DIR/data" -U cie -A trust -E UTF8 --locale=C --no-sync >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; fail "initdb failed (log above)"; }

  local port attempt
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    port=$(( 20000 + RANDOM % 30000 ))
    if "${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
        start >/dev/null 2>&1; then
      PG_BIN=$bin
      PG_RUN=("${run[@]}")
      trap stop_private_cluster EXIT
      export CIE_TEST_POSTGRES_URL="postgres://cie@127.0.0.1:$port/postgres"
      echo "run-all: throwaway PostgreSQL on 127.0.0.1:$port ($("$bin/postgres" --version))" >&2
      return 0
    fi
  done
  cat "$PG_DIR/server.log" >&2 || true
  fail "the throwaway PostgreSQL cluster did not start (server log above)"
}

stop_private_cluster() {
  "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}

# The PDF tests read what was rendered with poppler's tools (pdftotext, pdffonts, pdfinfo, pdfdetach).
if ! command -v pdftotext >/dev/null || ! command -v pdffonts >/dev/null || ! command -v pdfdetach >/dev/null; then
  apt_install "the PDF tests read the PDFs with pdftotext, pdffonts, pdfinfo and pdfdetach" poppler-utils
fi

# The schema checker is compared with libxml2's on every fixture (shared/cie-schema/tests/schema/fixtures.rs).
if ! command -v xmllint >/dev/null; then
  apt_install "the schema checker is compared with its xmllint" libxml2-utils
fi

# The browser tests drive headless Chromium through chromedriver (tests/support/browser.rs).
missing=()
[ -x "${CIE_TEST_CHROMIUM:-/usr/bin/chromium}" ] || missing+=(chromium)
[ -x "${CIE_TEST_CHROMEDRIVER:-/usr/bin/chromedriver}" ] || missing+=(chromium-driver)
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "the browser tests need /usr/bin/chromium and /usr/bin/chromedriver (or set CIE_TEST_CHROMIUM / CIE_TEST_CHROMEDRIVER)" "${missing[@]}"
  for package in "${missing[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || fail "the package $package is still not installed; the browser tests need it"
  done
fi

# The browser tests' screenshots show Japanese pages: without a Japanese font Chromium draws empty boxes. The
# tests pass either way, so a font is installed when it can be and only missed otherwise.
if [ -z "$(fc-list :lang=ja 2>/dev/null)" ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    apt_install "the browser tests' screenshots show Japanese text" fonts-ipaexfont-gothic
  else
    echo "run-all: no Japanese font (fonts-ipaexfont-gothic): the browser screenshots will show empty boxes" >&2
  fi
fi

if [ -z "${CIE_TEST_POSTGRES_URL:-}" ]; then
  start_private_cluster
fi

# Originals kept in an S3-compatible object store are tested against moto's S3 server on loopback
# (tests/it/originals.rs), installed from PyPI when missing. Set CIE_TEST_S3_URL to use another store that
# accepts any credentials and lets the tests create buckets.
start_object_store() {
  if ! command -v moto_server >/dev/null; then
    command -v python3 >/dev/null || apt_install "moto, the local S3 server of the object-store tests, runs on Python" python3 python3-pip
    echo "run-all: moto_server not found; installing moto[server] with pip" >&2
    python3 -m pip install --quiet 'moto[server]>=5,<6' 2>/dev/null \
      || python3 -m pip install --quiet --break-system-packages 'moto[server]>=5,<6' \
      || fail "pip could not install moto[server]: the object-store tests need an S3 server (or set CIE_TEST_S3_URL)"
    hash -r
    command -v moto_server >/dev/null || fail "moto_server is still not on PATH after installing moto[server]"
  fi
  S3_DIR=$(mktemp -d /tmp/cie-test-s3.XXXXXX)
  local port attempt
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    port=$(( 20000 + RANDOM % 30000 ))
    moto_server -H 127.0.0.1 -p "$port" >"$S3_DIR/moto.log" 2>&1 &
    S3_PID=$!
    for _ in $(seq 1 100); do
      if curl -sf "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1; then
        export CIE_TEST_S3_URL="http://127.0.0.1:$port"
        echo "run-all: S3 server (moto) on 127.0.0.1:$port" >&2
        return 0
      fi
      kill -0 "$S3_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill "$S3_PID" 2>/dev/null || true
  done
  cat "$S3_DIR/moto.log" >&2 || true
  fail "the S3 server (moto) did not start (log above)"
}

stop_object_store() {
  kill "$S3_PID" 2>/dev/null || true
  rm -rf "$S3_DIR"
}

if [ -z "${CIE_TEST_S3_URL:-}" ]; then
  start_object_store
  trap 'stop_object_store; [ -n "${PG_DIR:-}" ] && stop_private_cluster || true' EXIT
fi

# The end-to-end suite also runs the cie-server binary itself (subcommands), so build it first.
cargo build -p cie-server --bin cie-server
cargo test --workspace "$@"
