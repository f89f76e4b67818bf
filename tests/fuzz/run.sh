#!/usr/bin/env bash
# Runs the cargo-fuzz targets of this directory, one after another, each for SECONDS in one libFuzzer
# process (one job), under `nice`, and prints per target the executions, executions per second, coverage,
# corpus size, peak memory and findings.
#
#   tests/fuzz/run.sh SECONDS [TARGET...]     # targets: xml_reader xpath_dom schema_check validation (default: all)
#
# Each target's working corpus (work/corpus/TARGET) is seeded at run time with the XML samples of
# ../shared/corpus (CIE_FUZZ_SEEDS to use another folder) and the repository's own fixtures; it is kept
# between runs, never committed. Findings (crash-*, timeout-*, oom-*, leak-*) land in work/artifacts/TARGET,
# logs in work/logs/TARGET.log. Needs the nightly toolchain; installs cargo-fuzz when missing. Exits 1 when
# any target found something.
#
# Environment: CARGO_TARGET_DIR (build output, default tests/fuzz/target), CIE_FUZZ_WORK (default
# tests/fuzz/work), CIE_FUZZ_SEEDS, CIE_FUZZ_SANITIZER (none by default: the crates forbid unsafe code, so
# the address sanitizer would mostly halve the speed; `address` to use it), CIE_FUZZ_NICE (default 10).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

usage() { echo "usage: $0 SECONDS [TARGET...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
seconds=$1; shift
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || usage
all_targets=(xml_reader xpath_dom schema_check validation)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for target in "${targets[@]}"; do
  [ -f "$here/fuzz_targets/$target.rs" ] || { echo "run.sh: no fuzz target $target (have: ${all_targets[*]})" >&2; exit 2; }
done

# Inputs up to 32 KiB: every sample invoice fits (the largest is 29 KB), and the mutations that matter
# (nesting, attributes, names, references, numbers) do not need more. An input taking 10 s is a hang (a
# document is validated in well under a millisecond); 2 GiB of memory is an out-of-memory finding.
max_len=32768
timeout=10
rss_limit_mb=2048
sanitizer=${CIE_FUZZ_SANITIZER:-none}
niceness=${CIE_FUZZ_NICE:-10}
work=${CIE_FUZZ_WORK:-$here/work}
seeds=${CIE_FUZZ_SEEDS:-$repo/../shared/corpus}
target_dir=${CARGO_TARGET_DIR:-$here/target}

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "run.sh: the nightly toolchain is missing: rustup toolchain install nightly" >&2; exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "run.sh: installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked
fi
[ -d "$seeds" ] || echo "run.sh: no seed folder $seeds; seeding from the repository's fixtures only" >&2

build=(cargo +nightly fuzz build --fuzz-dir "$here" --target-dir "$target_dir" --sanitizer "$sanitizer")
for target in "${targets[@]}"; do
  nice -n "$niceness" "${build[@]}" "$target" >&2
done
triple=$(rustc +nightly -vV | sed -n 's/^host: //p')
bin_dir="$target_dir/$triple/release"

# Copies every XML sample (seed folder and the repository's fixtures) into $1, named after its path.
seed() {
  local into=$1 dir file
  for dir in "$seeds" "$repo/tests/fixtures" "$repo/tests/own-fixtures"; do
    [ -d "$dir" ] || continue
    while IFS= read -r -d '' file; do
      cp "$file" "$into/seed-$(basename "$dir")-$(realpath --relative-to="$dir" "$file" | tr '/' '-')"
    done < <(find "$dir" -type f -name '*.xml' -print0)
  done
}

summary=()
found_any=0
for target in "${targets[@]}"; do
  corpus="$work/corpus/$target"
  artifacts="$work/artifacts/$target"
  log="$work/logs/$target.log"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  seed "$corpus"
  before=$(find "$artifacts" -type f | wc -l)
  echo "run.sh: $target for ${seconds}s (corpus $(find "$corpus" -type f | wc -l) files, log $log)" >&2
  status=0
  nice -n "$niceness" "$bin_dir/$target" "$corpus" \
    -dict="$here/ubl.dict" -max_len=$max_len -timeout=$timeout -rss_limit_mb=$rss_limit_mb \
    -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$artifacts/" \
    >"$log" 2>&1 || status=$?
  # The final statistics when libFuzzer ran its time; otherwise the last status line.
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  per_second=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  [ -n "$executions" ] || executions=$(sed -E 's/^#([0-9]+).*/\1/' <<<"$last")
  [ -n "$per_second" ] || per_second=$(sed -nE 's/.*exec\/s: ([0-9]+).*/\1/p' <<<"$last")
  coverage=$(sed -nE 's/.* cov: ([0-9]+) .*/\1/p' <<<"$last")
  # libFuzzer's corpus (inputs kept for their coverage, and their size), not the files on disk, which
  # keep inputs that later reductions replaced.
  units=$(sed -nE 's/.* corp: ([0-9]+)\/.*/\1/p' <<<"$last")
  size=$(sed -nE 's/.* corp: [0-9]+\/([0-9]+[KMG]?b).*/\1/p' <<<"$last")
  peak_rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n 1)
  new_findings=$(( $(find "$artifacts" -type f | wc -l) - before ))
  if [ "$new_findings" -gt 0 ] || [ "$status" -ne 0 ]; then
    found_any=1
    echo "run.sh: $target stopped with status $status; findings:" >&2
    find "$artifacts" -type f -printf '  %p\n' | sort >&2
    grep -E '^==[0-9]+== ERROR|^SUMMARY|panicked at|ERROR: libFuzzer' "$log" | head -n 5 >&2 || true
  fi
  summary+=("$(printf '%-13s %8s %12s %8s %7s %7s %9s %8s %8s' "$target" "$seconds" "${executions:-?}" "${per_second:-?}" \
    "${coverage:-?}" "${units:-?}" "${size:-?}" "${peak_rss:-?}" "$new_findings")")
done

printf '%-13s %8s %12s %8s %7s %7s %9s %8s %8s\n' target seconds executions exec/s cov corpus size rss_mb findings
printf '%s\n' "${summary[@]}"
exit "$found_any"
