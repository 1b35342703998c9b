package identity_test

import (
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/tidewatch/tidewatch/internal/identity"
)

// Two partner nodes make their identities, pin each other's certificate
// and open a mutually authenticated link.
func Example() {
	tmp, _ := os.MkdirTemp("", "identity-example-")
	defer os.RemoveAll(tmp)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }

	identity.Init(filepath.Join(tmp, "in", "node"), "IN-IFC", now, 365*24*time.Hour)
	identity.Init(filepath.Join(tmp, "jp", "node"), "JP-JCG", now, 365*24*time.Hour)
	in, err := identity.Open(filepath.Join(tmp, "in", "node"), clock)
	if err != nil {
		fmt.Println(err)
		return
	}
	jp, _ := identity.Open(filepath.Join(tmp, "jp", "node"), clock)

	// The operators exchange node.crt files and confirm the fingerprints
	// by telephone.
	if _, err := in.AddPartnerWithFingerprint("JP-JCG", jp.CertificatePEM(), "", jp.Fingerprint(), now); err != nil {
		fmt.Println(err)
		return
	}
	jp.AddPartnerWithFingerprint("IN-IFC", in.CertificatePEM(), "", in.Fingerprint(), now)

	ln, _ := tls.Listen("tcp", "127.0.0.1:0", in.ServerTLS())
	defer ln.Close()
	accepted := make(chan string)
	go func() {
		c, _ := ln.Accept()
		defer c.Close()
		tc := c.(*tls.Conn)
		if err := tc.Handshake(); err != nil {
			accepted <- err.Error()
			return
		}
		name, _ := in.PeerName(tc.ConnectionState())
		accepted <- name
	}()

	cfg, _ := jp.ClientTLS("IN-IFC")
	conn, err := tls.Dial("tcp", ln.Addr().(*net.TCPAddr).String(), cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	dialed, _ := jp.PeerName(conn.ConnectionState())
	fmt.Println("JP-JCG reached", dialed)
	fmt.Println("IN-IFC accepted", <-accepted)
	// Output:
	// JP-JCG reached IN-IFC
	// IN-IFC accepted JP-JCG
}
