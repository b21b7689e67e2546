# Sourced by the PostgreSQL benchmark scripts: a durable throwaway cluster
# (scripts/pg_cluster.sh --durable: fsync and synchronous commit on) in a
# new folder under /tmp, stopped and removed when the script exits.
#   durable_cluster NAME    sets `cluster` (its folder) and `admin` (its admin
#                           URI) and exports PGPASSFILE
durable_cluster_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

durable_cluster() {
  cluster="$(mktemp -d "/tmp/keyart-$1.XXXXXX")"
  trap '"$durable_cluster_root/scripts/pg_cluster.sh" stop "$cluster"' EXIT
  admin="$("$durable_cluster_root/scripts/pg_cluster.sh" start "$cluster" --durable)"
  export PGPASSFILE="$cluster/pgpass"
}
