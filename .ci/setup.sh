#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine: the Debian packages listed in
# .ci/apt-packages (real dpkg/rpm/python/ruby/maven/go tools the tests compare against,
# debootstrap for real root filesystems) and the npm dependencies. Needs root for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
packages=$(grep -v '^\s*#' .ci/apt-packages | grep -v '^\s*$' | tr '\n' ' ')
missing=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $packages 2>/dev/null | awk '$1 != "ii" {print $2}' || true)
if [ -n "$missing" ] || ! dpkg-query -W $packages >/dev/null 2>&1; then
  echo "Installing Debian packages: $packages"
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $packages >/dev/null
fi

npm ci --no-audit --no-fund
