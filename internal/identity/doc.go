// Package identity owns a node's identity and its trust in partners: the
// node's name, private key and self-signed certificate, the registry of
// partner nodes (each pinned to its certificate, with its link address and
// its added and revoked times), and the mutually authenticated TLS 1.3
// configurations of partner links, which refuse unknown, revoked, expired
// and unexpected peers during the handshake.
//
// A cluster's members keep the same registry: PartnerRecords gives the
// registry's records as its file holds them, and PutPartnerRecord and
// DeletePartnerRecord apply another member's (package server publishes
// and applies them through the cluster's control log).
//
// There is no certificate authority. Partners (for example India's IN-IFC
// and Japan's JP-JCG) exchange their certificate files, confirm each
// other's fingerprint by another channel, and pin them:
//
//	IN-IFC$ tidewatch node init --name IN-IFC       # prints the fingerprint and node.crt's path
//	JP-JCG$ tidewatch node init --name JP-JCG
//	IN-IFC$ tidewatch partner add --name JP-JCG --cert jp-jcg.crt --addr link.jcg.example:7443 --fingerprint 3F:A2:...
//	JP-JCG$ tidewatch partner add --name IN-IFC --cert in-ifc.crt --fingerprint 91:0C:...
//
// # Usage
//
//	node, err := identity.Open(filepath.Join(data, "node"), time.Now)
//	ln, err := tls.Listen("tcp", ":7443", node.ServerTLS())
//	conn := ... // an accepted *tls.Conn
//	err = conn.HandshakeContext(ctx) // refused peers fail here, before any data
//	partner, err := node.PeerName(conn.ConnectionState())
//
//	cfg, err := node.ClientTLS("JP-JCG")
//	conn, err := tls.Dial("tcp", p.Addr, cfg)
//
// A refusal is a *PeerError wrapping ErrUnknownPeer, ErrRevoked, ErrExpired,
// ErrWrongPeer or ErrNoCertificate; its message names the partner, the
// fingerprint and the time. In TLS 1.3 the client's handshake completes
// before the server has checked the client's certificate, so a dialer the
// listener refuses sees only the listener's alert ("remote error: tls: bad
// certificate") on its first Read; the listener has the reason.
//
// # Key and certificate
//
// The key is Ed25519. Its keys and signatures are small (a node
// certificate is about 600 bytes of PEM, easy to mail or paste), its
// signatures are deterministic (no per-signature random nonce whose
// weakness leaks the key, ECDSA's known failure), it has no parameters to
// choose, and TLS 1.3 supports it (RFC 8446, RFC 8410) in Go, OpenSSL
// 1.1.1 and later, BoringSSL and rustls; FIPS 186-5 approves it. Partner
// certificates with an ECDSA P-256 key are accepted too, for partners
// whose policy requires it.
//
// The certificate is self-signed, X.509 v3: common name NAME, URI subject
// alternative name urn:tidewatch:node:NAME (a URI rather than a DNS name:
// node names are not host names), key usage digital signature, extended key
// usage server and client authentication, valid from an hour before its
// creation (for clock skew) for the validity given (default one year).
// Names are [A-Z0-9][A-Z0-9._-]{0,63}. The fingerprint is the SHA-256 of
// the certificate's DER, upper-case hex with colons, as "openssl x509
// -noout -fingerprint -sha256 -in node.crt" prints it.
//
// # Format
//
// The identity directory is DATA/node:
//
//	DATA/node/        mode 0700; refused if group or others may write it
//	  node.key        mode 0600; PKCS#8 PEM "PRIVATE KEY" (Ed25519); refused (ErrKeyMode)
//	                  if group or others may read or write it
//	  node.crt        mode 0644; PEM "CERTIFICATE"; give it to partners;
//	                  refused if group or others may write it
//	  partners.json   mode 0600; the partner registry; refused if group or others
//	                  may read or write it; absent until the first partner is added
//
// The registry is JSON, written atomically (temporary file of mode 0600,
// synced, renamed, the directory synced; through a record.FS, so that its
// crash test, TestRegistryCrashInMemory, runs in memory):
//
//	{
//	  "version": 1,
//	  "partners": [
//	    {
//	      "name": "JP-JCG",
//	      "addr": "link.jcg.example:7443",          // omitted if it only dials in
//	      "fingerprint": "3F:A2:...",               // checked against the certificate on load
//	      "added": "2026-03-01T09:00:00Z",
//	      "revoked": "2026-04-02T10:00:00Z",        // omitted unless revoked
//	      "certificate": "-----BEGIN CERTIFICATE-----\n..."  // pinned
//	    }
//	  ]
//	}
//
// A file of another version, or that does not check (bad name, address or
// certificate, a fingerprint that is not the certificate's, two partners
// sharing a name or certificate), is refused whole (ErrCorrupt).
//
// # Concurrency
//
// A Node is safe for concurrent use and starts no goroutines. It rereads
// the registry file whenever it answers (each handshake, Partners, and
// before each change) and parses it again when its content changed, so the
// "tidewatch partner" commands take effect in a running node at its next
// handshake. A handshake fails closed when the registry cannot be read;
// Partners and Partner then answer from the registry as last read.
// Changes by two processes at the same moment are not merged: the last
// write wins.
package identity
