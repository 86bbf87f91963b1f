#!/bin/sh
# Run once by the postgres image when it first initialises the primary's data directory
# (compose.yaml mounts it into /docker-entrypoint-initdb.d): lets the `replica` service of the
# several-hosts profile stream from the primary, with the same password, from the compose
# network only. A data directory made earlier needs the same line added by hand
# (docs/scaling.md, "Several hosts with compose").
set -eu
echo "host replication ${POSTGRES_USER} samenet scram-sha-256" >> "${PGDATA}/pg_hba.conf"
