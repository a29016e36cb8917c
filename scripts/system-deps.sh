#!/usr/bin/env bash
# Debian packages the project needs beyond Python: build headers for python-ldap, slapd and ldap-utils for
# the directory tests, Chromium for the browser tests, clamd for the antivirus tests (they start their own
# daemon on a home-made EICAR signature; the system service is not needed), poppler-utils for `pdftotext` (the
# GED extracts PDF text with it in a bounded subprocess; without it a slower built-in reader is used), litmus
# and rclone for the WebDAV tests, nginx for the production-shape test (the test starts its own instance on
# loopback; the system service is not needed). Installs them when run as root, otherwise prints the exact
# command to run.
set -euo pipefail

# `--build` installs only what `pip install` needs to compile python-ldap (used by `make setup`, so `make run`
# works on a fresh machine); without it, everything the test suite needs.
packages=(gcc libldap2-dev libsasl2-dev)
if [ "${1:-}" != "--build" ]; then
  packages+=(slapd ldap-utils chromium fonts-dejavu-core clamav-daemon poppler-utils litmus rclone nginx)
fi
missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  echo "Installation des paquets Debian manquants : ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Paquets Debian manquants pour les tests : ${missing[*]}" >&2
  echo "Installez-les avec :  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
