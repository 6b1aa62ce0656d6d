#!/usr/bin/env bash
# System packages the tests need (Debian), installed only when missing; run as root (or with sudo):
# - chromium: browser tests and kaleido's chart export;
# - fonts-dejavu-core: a font with every Kazakh and Kyrgyz letter (ә ғ қ ң ө ұ ү һ і) for the browser, PNG map
#   exports and kaleido's charts, so no letter is drawn as a missing-glyph box;
# - libpango: WeasyPrint's text layout, for the dossier PDFs;
# - PostgreSQL 15 with PostGIS: the layer store's second back end. The cluster is started and a test role and
#   database are made (atlas/atlas, atlas_test on 127.0.0.1:5432; override with ATLAS_TEST_DATABASE_URL);
# - iptables: the store's partition test drops the packets of one loopback port, as a network partition does;
# - haproxy: the balancer in front of several Atlas processes (scripts/serve-many.sh) and its test.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list ':charset=04d9 0493 049b 04a3 04e9 04b1 04af 04bb 0456' family 2>/dev/null | grep 'DejaVu Sans' >/dev/null \
  || missing+=(fonts-dejavu-core fontconfig)
ldconfig -p | grep 'libpangoft2-1.0.so.0' >/dev/null || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
[ -d /usr/share/postgresql/15/extension ] && ls /usr/share/postgresql/15/extension/postgis.control >/dev/null 2>&1 \
  || missing+=(postgresql postgresql-15-postgis-3)
command -v iptables >/dev/null || missing+=(iptables)
command -v haproxy >/dev/null || missing+=(haproxy)
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
/usr/bin/chromium --version 2>/dev/null
pg_ctlcluster 15 main start 2>/dev/null || pg_ctlcluster 15 main status >/dev/null
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
run_psql() { su postgres -c "psql -qtAc \"$1\""; }
[ "$(run_psql "SELECT 1 FROM pg_roles WHERE rolname = 'atlas'")" = "1" ] \
  || run_psql "CREATE ROLE atlas LOGIN PASSWORD 'atlas' SUPERUSER"
[ "$(run_psql "SELECT 1 FROM pg_database WHERE datname = 'atlas_test'")" = "1" ] \
  || su postgres -c "createdb -O atlas atlas_test"
echo "PostgreSQL $(su postgres -c 'psql -qtAc "SHOW server_version"') with PostGIS ready: atlas_test"
