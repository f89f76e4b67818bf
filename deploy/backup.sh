#!/bin/sh
# Nightly backup of city-invoice-exchange, for cron or a systemd timer, run as the service's user with the
# service's configuration and secrets (the same CIE_* environment or --config file):
#
#   CIE_CONFIG=/etc/cie/config.toml /usr/local/share/cie/backup.sh /srv/backup/cie 30
#
# Writes <dir>/cie-<UTC time>.backup with `cie-server backup` (SQLite: a consistent copy taken while the
# service runs; PostgreSQL: pg_dump --format=custom, so pg_dump must be on PATH) and a copy of the signed
# checkpoints beside it, then deletes backups older than <days> (default 30). The sealing key is not
# copied: keep it once, apart from the backups (whoever holds both can forge seals).
#
# Restore on a new machine: put back the sealing key (sealing.key or <data_dir>/sealing-key) and the
# checkpoint directory first, create an empty database (PostgreSQL: CREATE DATABASE), then
#   cie-server restore --from <dir>/cie-<time>.backup
# which checks every city's archive against its last checkpoint and exits 1 if entries are missing.
set -eu
dir=${1:?usage: backup.sh <backup directory> [days to keep]}
days=${2:-30}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$dir"
cie-server backup --to "$dir/cie-$stamp.backup"
settings=$(cie-server default-config)
checkpoints=$(printf '%s\n' "$settings" | sed -n 's/^checkpoint_dir = "\(.*\)"$/\1/p')
if [ -z "$checkpoints" ]; then
    checkpoints="$(printf '%s\n' "$settings" | sed -n 's/^data_dir = "\(.*\)"$/\1/p')/checkpoints"
fi
if [ -n "$checkpoints" ] && [ -d "$checkpoints" ]; then
    cp -a "$checkpoints" "$dir/cie-$stamp.checkpoints"
fi
find "$dir" -maxdepth 1 -name 'cie-*.backup' -mtime +"$days" -exec rm -f {} +
find "$dir" -maxdepth 1 -name 'cie-*.checkpoints' -mtime +"$days" -exec rm -rf {} +
