#!/usr/bin/env bash
# Runs every check and test: formatting, vet, the product module under the
# race detector (real MariaDB processes, the DTS emulator and a recording
# Slack server, all on loopback), then the MySQL 8 wire tests, which live in
# their own module so the product does not depend on the server they use.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"
export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true

unformatted=$(gofmt -l . )
if [ -n "$unformatted" ]; then
	echo "gofmt needed on:" >&2
	echo "$unformatted" >&2
	exit 1
fi

go vet ./...
go test -race -count=1 -timeout 30m ./...

if [ -d mysql8test ]; then
	(cd mysql8test && go vet ./... && go test -race -count=1 -timeout 10m ./...)
fi
