#!/usr/bin/env bash
# Re-vendor the third-party browser files the app serves (the app loads no CDN file).
# Leaflet 1.9.4 (BSD-2-Clause) from the npm registry -> assets/vendor/leaflet/
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
(cd "$tmp" && npm pack leaflet@1.9.4 --silent >/dev/null && tar xzf leaflet-1.9.4.tgz)
mkdir -p assets/vendor/leaflet/images
cp "$tmp"/package/dist/leaflet.js "$tmp"/package/dist/leaflet.css assets/vendor/leaflet/
cp "$tmp"/package/dist/images/*.png assets/vendor/leaflet/images/
cp "$tmp"/package/LICENSE assets/vendor/leaflet/LICENSE
rm -rf "$tmp"
echo "vendored Leaflet 1.9.4 into assets/vendor/leaflet/"
