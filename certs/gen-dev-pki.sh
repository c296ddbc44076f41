#!/bin/sh
# Generates Tonle's development PKI into certs/out/ (git-ignored): the trust services' root CA, OCSP
# responder and TSA certificates (via `tonle trust init`), and the central registry's configuration
# signing key. Private keys are PKCS#8 encrypted with the PIN in certs/out/trust/secrets/key-pin.
# Usage: sh certs/gen-dev-pki.sh [out-dir] [instance]       (from the repository root)
set -eu
OUT="${1:-certs/out}"
INSTANCE="${2:-EE}"
if [ -e "$OUT/trust/trust.json" ]; then
  echo "$OUT already holds a development PKI; delete $OUT to make a new one." >&2
  exit 1
fi
npm run --silent tonle -- trust init --dir "$OUT/trust" --instance "$INSTANCE"

umask 077
mkdir -p "$OUT/registry"
PIN="$OUT/trust/secrets/key-pin"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes-256-cbc -pass "file:$PIN" \
  -out "$OUT/registry/conf-signing.key"
openssl req -new -x509 -sha256 -days 730 -key "$OUT/registry/conf-signing.key" -passin "file:$PIN" \
  -subj "/O=Tonle/CN=Tonle $INSTANCE configuration signing" -out "$OUT/registry/conf-signing.pem"
openssl pkey -in "$OUT/registry/conf-signing.key" -passin "file:$PIN" -pubout -out "$OUT/registry/conf-signing.pub.pem"
chmod 644 "$OUT/registry/conf-signing.pem" "$OUT/registry/conf-signing.pub.pem"

echo "Registry configuration signing key: $OUT/registry/conf-signing.key (PIN: $PIN)"
echo "  certificate $OUT/registry/conf-signing.pem, public key $OUT/registry/conf-signing.pub.pem"
echo "Start the trust services with: npm run tonle -- trust start --dir $OUT/trust"
