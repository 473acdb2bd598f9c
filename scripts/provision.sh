#!/usr/bin/env bash
# Provisions the real services hostwatch runs and tests against, pinned and cached outside the clone:
#   temporal  - Temporal CLI (dev server + Web UI), built from the Go module proxy
#   ferretdb  - MongoDB wire-protocol database (SQLite backend), built from the Go module proxy
#   test-server - Temporal time-skipping test server (Java), from Maven Central
#   chromium  - with --with-browser: Debian's chromium at /usr/bin/chromium, for the status page test
#               (apt-get, as root only; `npm test` asks for it, `npm run dev` does not)
#   docker-compose - with --with-compose: Debian's docker-compose 1.29.2, which parses and validates
#               docker-compose.yml without a Docker engine (apt-get, as root only; `npm test` asks for it)
#   schemathesis - with --with-schemathesis: the OpenAPI fuzzer from PyPI, pinned, in its own venv under the
#               cache (python3 -m venv + pip); test/api/manage-fuzz.test.ts runs it (`npm test` asks for it)
# A second run finds everything in the cache and returns at once.
# Prints nothing but errors unless VERBOSE=1. Exits non-zero with a clear line when a registry is unreachable.
set -euo pipefail

TEMPORAL_CLI_VERSION=v1.5.1
FERRETDB_VERSION=v1.24.2
TEST_SERVER_VERSION=1.38.0
SCHEMATHESIS_VERSION=4.32.5

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${HOSTWATCH_CACHE:-$HOME/.cache/hostwatch}"
BIN="$CACHE/bin"
mkdir -p "$BIN" "$CACHE/gomod" "$CACHE/gocache"
export GOMODCACHE="$CACHE/gomod" GOCACHE="$CACHE/gocache" GOFLAGS=-modcacherw GOTOOLCHAIN=local

log() { if [ "${VERBOSE:-0}" = 1 ]; then echo "provision: $*" >&2; fi; }
fail() { echo "provision: $*" >&2; exit 1; }

need() { command -v "$1" >/dev/null 2>&1 || fail "'$1' is required ($2) but is not on PATH"; }

stamp_ok() { [ -x "$BIN/$1" ] && [ "$(cat "$BIN/$1.version" 2>/dev/null)" = "$2" ]; }

# Builds a Go main package at a pinned module version. The module is downloaded explicitly and built
# inside its own directory (with its own go.sum), because `go install mod@version` also asks the proxy
# for the module's version list, which some proxies refuse.
build_go() { # name module version package-dir
  local name=$1 module=$2 version=$3 pkg=$4
  stamp_ok "$name" "$version" && { log "$name $version cached"; return; }
  need go "to build $name"
  echo "provision: building $name $version from the Go module proxy (first time only, takes minutes)" >&2
  local dir
  dir=$(go mod download -json "$module@$version" 2>"$CACHE/$name.download.log" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') || true
  [ -n "$dir" ] && [ -d "$dir" ] || fail "could not download $module@$version from the Go module proxy (is it reachable? see $CACHE/$name.download.log)"
  # Build from a private copy: some modules expect generated files (FerretDB's version.txt) beside the source.
  local src="$CACHE/src/$name-$version"
  rm -rf "$src" && mkdir -p "$CACHE/src" && cp -r "$dir" "$src" && chmod -R u+w "$src"
  if [ -d "$src/build/version" ]; then echo "$version" > "$src/build/version/version.txt"; fi
  (cd "$src" && go build -trimpath -o "$BIN/$name.tmp" "./$pkg") >"$CACHE/$name.build.log" 2>&1 \
    || fail "building $name failed; see $CACHE/$name.build.log"
  rm -rf "$src"
  mv "$BIN/$name.tmp" "$BIN/$name"
  echo "$version" > "$BIN/$name.version"
}

provision_test_server() {
  local dir="$CACHE/test-server-$TEST_SERVER_VERSION"
  [ -f "$dir/.complete" ] && { log "test server $TEST_SERVER_VERSION cached"; return; }
  need mvn "to fetch the Temporal test server from Maven Central"
  need java "to run the Temporal test server"
  echo "provision: fetching temporal-test-server $TEST_SERVER_VERSION from Maven Central" >&2
  rm -rf "$dir" && mkdir -p "$dir/lib"
  mvn -q -B -f "$HERE/test-server-pom.xml" -DtestServerVersion="$TEST_SERVER_VERSION" \
    dependency:copy-dependencies -DoutputDirectory="$dir/lib" >"$CACHE/test-server.log" 2>&1 \
    || fail "could not fetch io.temporal:temporal-test-server:$TEST_SERVER_VERSION from Maven Central; see $CACHE/test-server.log"
  # The launcher runs `<path> <port>`, and kills the process directly: exec the JVM so the kill reaches it.
  cat > "$BIN/temporal-test-server" <<SH
#!/usr/bin/env bash
exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -cp "$dir/lib/*" io.temporal.testserver.TestServer "\$@"
SH
  chmod +x "$BIN/temporal-test-server"
  touch "$dir/.complete"
}

# The status page test drives a real headless Chromium. Installed system-wide with apt-get when running as
# root; otherwise provisioning stops and says how to install it.
provision_chromium() {
  [ -x /usr/bin/chromium ] && { log "chromium present at /usr/bin/chromium"; return; }
  if [ "$(id -u)" != 0 ]; then
    fail "chromium is missing: the status page test needs Debian's chromium at /usr/bin/chromium; install it with 'sudo apt-get update && sudo apt-get install -y chromium' and run again"
  fi
  need apt-get "to install chromium"
  echo "provision: installing chromium with apt-get (first time only)" >&2
  (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium) >"$CACHE/chromium.log" 2>&1 \
    || fail "apt-get could not install chromium; see $CACHE/chromium.log"
  [ -x /usr/bin/chromium ] || fail "apt-get installed chromium but /usr/bin/chromium is missing; see $CACHE/chromium.log"
}

# The deployment test validates docker-compose.yml with `docker-compose config`, which needs no engine.
# Without recommends, so apt-get does not pull in docker.io and containerd.
provision_compose() {
  command -v docker-compose >/dev/null 2>&1 && { log "docker-compose present"; return; }
  if [ "$(id -u)" != 0 ]; then
    fail "docker-compose is missing: the deployment test needs it to validate docker-compose.yml; install it with 'sudo apt-get update && sudo apt-get install -y --no-install-recommends docker-compose' and run again"
  fi
  need apt-get "to install docker-compose"
  echo "provision: installing docker-compose with apt-get (first time only)" >&2
  (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker-compose) >"$CACHE/compose.log" 2>&1 \
    || fail "apt-get could not install docker-compose; see $CACHE/compose.log"
  command -v docker-compose >/dev/null 2>&1 || fail "apt-get installed docker-compose but it is not on PATH; see $CACHE/compose.log"
}

# The management API fuzz runs schemathesis against /api/v1/openapi.json. A venv per version keeps it apart from
# any system Python packages; $BIN/schemathesis execs the venv's entry point.
provision_schemathesis() {
  stamp_ok schemathesis "$SCHEMATHESIS_VERSION" && { log "schemathesis $SCHEMATHESIS_VERSION cached"; return; }
  need python3 "to run schemathesis (Python 3.9 or later, with the venv module)"
  local venv="$CACHE/schemathesis-$SCHEMATHESIS_VERSION"
  echo "provision: installing schemathesis $SCHEMATHESIS_VERSION from PyPI (first time only)" >&2
  rm -rf "$venv"
  { python3 -m venv "$venv" && "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"; } >"$CACHE/schemathesis.log" 2>&1 \
    || fail "could not install schemathesis $SCHEMATHESIS_VERSION from PyPI into $venv; see $CACHE/schemathesis.log"
  printf '#!/usr/bin/env bash\nexec "%s/bin/schemathesis" "$@"\n' "$venv" > "$BIN/schemathesis"
  chmod +x "$BIN/schemathesis"
  "$BIN/schemathesis" --version >>"$CACHE/schemathesis.log" 2>&1 || fail "schemathesis does not start; see $CACHE/schemathesis.log"
  echo "$SCHEMATHESIS_VERSION" > "$BIN/schemathesis.version"
}

build_go temporal github.com/temporalio/cli "$TEMPORAL_CLI_VERSION" cmd/temporal
build_go ferretdb github.com/FerretDB/FerretDB "$FERRETDB_VERSION" cmd/ferretdb
provision_test_server
for flag in "$@"; do
  case "$flag" in
    --with-browser) provision_chromium ;;
    --with-compose) provision_compose ;;
    --with-schemathesis) provision_schemathesis ;;
    *) fail "unknown option $flag (known: --with-browser, --with-compose, --with-schemathesis)" ;;
  esac
done
log "all services ready in $BIN"
