#!/bin/sh
# Regenerates the certificates of the example bundles (examples/fresh-install, examples/hardened-cluster/pve*).
# Only certificates are written into examples/; every private key lives in a temp dir that is deleted.
# Validity dates are fixed (openssl ca -startdate/-enddate) so the examples do not depend on when this runs:
#   fresh-install:   pve-root-ca 2026-11-20 .. 2036-11-18, pve-ssl.pem (RSA 2048, signed by it) 2026-11-20 .. 2028-11-19
#   hardened-cluster: pve-root-ca 2024-03-11 .. 2034-03-09, pve-ssl.pem per node 2026-01-15 .. 2028-01-15,
#                     pveproxy-ssl.pem per node from an internal ACME CA (EC P-256), 2026-06-01 .. 2046-06-01
#                     (long on purpose: the example must not expire; a real ACME certificate lives 90 days).
set -eu
cd "$(dirname "$0")/.."
EX=examples
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# A minimal `openssl ca` setup in $TMP/$1 (openssl 3.0 x509 -req cannot set explicit dates).
ca_init() {
  mkdir -p "$TMP/$1/new"
  : > "$TMP/$1/index.txt"
  cat > "$TMP/$1/ca.cnf" <<EOF
[ ca ]
default_ca = theca
[ theca ]
dir = $TMP/$1
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = copy
[ anything ]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
emailAddress = optional
[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_pve_leaf ]
basicConstraints = CA:false
keyUsage = digitalSignature, nonRepudiation, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
[ v3_acme_leaf ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
  openssl rand -hex 16 > "$TMP/$1/serial"
}

# self_signed_ca DIR KEYSPEC SUBJECT START END -> $TMP/DIR/ca.pem
self_signed_ca() {
  ca_init "$1"
  openssl genpkey $2 -out "$TMP/$1/ca.key" 2>/dev/null
  openssl req -new -key "$TMP/$1/ca.key" -subj "$3" -out "$TMP/$1/ca.csr"
  openssl ca -batch -config "$TMP/$1/ca.cnf" -selfsign -keyfile "$TMP/$1/ca.key" -extensions v3_ca \
    -startdate "$4" -enddate "$5" -in "$TMP/$1/ca.csr" -out "$TMP/$1/ca.pem" -notext 2>/dev/null
}

# leaf CADIR KEYSPEC SUBJECT SAN EXT START END OUT
leaf() {
  openssl genpkey $2 -out "$TMP/leaf.key" 2>/dev/null
  openssl req -new -key "$TMP/leaf.key" -subj "$3" -addext "subjectAltName=$4" -out "$TMP/leaf.csr"
  openssl ca -batch -config "$TMP/$1/ca.cnf" -cert "$TMP/$1/ca.pem" -keyfile "$TMP/$1/ca.key" -extensions "$5" \
    -startdate "$6" -enddate "$7" -in "$TMP/leaf.csr" -out "$8" -notext 2>/dev/null
  rm -f "$TMP/leaf.key"
}

RSA2048='-algorithm RSA -pkeyopt rsa_keygen_bits:2048'
RSA4096='-algorithm RSA -pkeyopt rsa_keygen_bits:4096'
P256='-algorithm EC -pkeyopt ec_paramgen_curve:P-256'
P384='-algorithm EC -pkeyopt ec_paramgen_curve:P-384'

# --- fresh-install: node "pve", 192.168.1.50 ------------------------------------------------------------------
F=$EX/fresh-install/etc/pve
mkdir -p "$F/nodes/pve"
self_signed_ca fresh "$RSA4096" "/CN=Proxmox Virtual Environment/OU=2f6a1e0c-93b4-4a57-b4c1-5d0f8e7a3c21/O=PVE Cluster Manager CA" \
  261120094512Z 361118094512Z
cp "$TMP/fresh/ca.pem" "$F/pve-root-ca.pem"
leaf fresh "$RSA2048" "/OU=PVE Cluster Node/O=Proxmox Virtual Environment/CN=pve.localdomain" \
  "IP:127.0.0.1,IP:0:0:0:0:0:0:0:1,DNS:localhost,IP:192.168.1.50,DNS:pve,DNS:pve.localdomain" v3_pve_leaf \
  261120094513Z 281119094513Z "$F/nodes/pve/pve-ssl.pem"

# --- hardened-cluster: pve1..pve3, 10.10.10.11-13 -------------------------------------------------------------
H=$EX/hardened-cluster
self_signed_ca cluster "$RSA4096" "/CN=Proxmox Virtual Environment/OU=8d0b7c52-6f1e-4f3a-9a77-0c4e2b9d51f8/O=PVE Cluster Manager CA" \
  240311081530Z 340309081530Z
self_signed_ca acme "$P384" "/C=DE/O=Example Corp/CN=Example Corp Internal ACME CA" 260101000000Z 460101000000Z
for i in 1 2 3; do
  n=pve$i
  for d in 1 2 3; do mkdir -p "$H/pve$d/etc/pve/nodes/$n"; done
  leaf cluster "$RSA2048" "/OU=PVE Cluster Node/O=Proxmox Virtual Environment/CN=$n.mgmt.example.com" \
    "IP:127.0.0.1,IP:0:0:0:0:0:0:0:1,DNS:localhost,IP:10.10.10.1$i,DNS:$n,DNS:$n.mgmt.example.com" v3_pve_leaf \
    260115070000Z 280115070000Z "$TMP/$n-pve-ssl.pem"
  leaf acme "$P256" "/CN=$n.mgmt.example.com" "DNS:$n.mgmt.example.com,DNS:$n" v3_acme_leaf \
    260601000000Z 460601000000Z "$TMP/$n-leaf.pem"
  # pveproxy-ssl.pem holds the chain as ACME delivers it: leaf, then the issuing CA.
  cat "$TMP/$n-leaf.pem" "$TMP/acme/ca.pem" > "$TMP/$n-pveproxy-ssl.pem"
  # /etc/pve is shared: every node's bundle holds the same files for all nodes.
  for d in 1 2 3; do
    cp "$TMP/$n-pve-ssl.pem" "$H/pve$d/etc/pve/nodes/$n/pve-ssl.pem"
    cp "$TMP/$n-pveproxy-ssl.pem" "$H/pve$d/etc/pve/nodes/$n/pveproxy-ssl.pem"
  done
done
for d in 1 2 3; do cp "$TMP/cluster/ca.pem" "$H/pve$d/etc/pve/pve-root-ca.pem"; done
echo "certificates written under $EX/"
