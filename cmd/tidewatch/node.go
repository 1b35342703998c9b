package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/tidewatch/tidewatch/internal/identity"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// nodeDirName is the identity directory inside the data directory.
const nodeDirName = "node"

const nodeUsage = `Usage: tidewatch node init --data DIR --name NAME [--validity 8760h]
       tidewatch node show --data DIR [--pem]

This node's identity for partner links: a private key (DIR/node/node.key,
mode 0600; it never leaves this machine) and a self-signed certificate
(DIR/node/node.crt) to give partners. Partners confirm its fingerprint with
you by another channel (telephone, a signed letter) before they add it.

NAME is capital letters, digits, '.', '_' and '-', e.g. IN-IFC or JP-JCG.
`

const partnerUsage = `Usage: tidewatch partner add    --data DIR --name NAME --cert FILE [--addr HOST:PORT] [--fingerprint FP]
       tidewatch partner list   --data DIR [--format table|json]
       tidewatch partner revoke --data DIR NAME
       tidewatch partner remove --data DIR NAME

Partner nodes, each pinned to its certificate in DIR/node/partners.json
(mode 0600). A link is accepted only from, and made only to, a partner
presenting exactly its pinned certificate, not revoked and not expired.

add     registers a partner's certificate (its node.crt). Give --fingerprint,
        as the partner's operator read it to you, to have it checked.
list    the partners, their status and fingerprints (json: one object a line)
revoke  refuses the partner from its next handshake on, also in a running node
remove  forgets the partner (its certificate becomes unknown)
`

func runNode(ctx context.Context, args []string, stdout, stderr io.Writer, now time.Time) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprint(stderr, nodeUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	sub := args[0]
	fs := newFlagSet("node "+sub, nodeUsage, stderr)
	data := dataFlag(fs)
	var name, validity *string
	var showPEM *bool
	switch sub {
	case "init":
		name = fs.String("name", "", "this node's name, e.g. IN-IFC (required)")
		validity = fs.String("validity", "8760h", "how long the certificate is valid (e.g. 8760h, 365d)")
	case "show":
		showPEM = fs.Bool("pem", false, "print only the certificate, in PEM")
	default:
		return usageError(fs, stderr, "unknown node command %q (init or show)", sub)
	}
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usageError(fs, stderr, "unexpected argument %q", pos[0])
	}
	dir := filepath.Join(*data, nodeDirName)
	switch sub {
	case "init":
		if *name == "" {
			return usageError(fs, stderr, "--name is required (e.g. --name IN-IFC)")
		}
		if !identity.ValidName(*name) {
			return usageError(fs, stderr, "--name %q: capital letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 (e.g. IN-IFC)", *name)
		}
		d, err := vessel.ParseDuration(*validity)
		if err != nil || d < time.Hour {
			return usageError(fs, stderr, "--validity %q: want a duration of at least 1h, e.g. 8760h or 365d", *validity)
		}
		// The identity lives in the data directory: make it one first
		// (the store refuses a directory that holds foreign files).
		if db, err := store.Open(*data, store.Options{}); err == nil {
			if err := db.Close(); err != nil {
				return err
			}
		} else if !errors.Is(err, store.ErrLocked) {
			return err
		}
		n, err := identity.Init(dir, *name, now, d)
		if err != nil {
			return err
		}
		printNode(stdout, n)
		fmt.Fprintf(stderr, "\nnode %s created. Give %s to each partner, and read them the fingerprint by another channel; they add this node with\n"+
			"  tidewatch partner add --name %s --cert %s --fingerprint %s\n", n.Name(), n.CertificatePath(), n.Name(), identity.CertFile, n.Fingerprint())
	case "show":
		n, err := identity.Open(dir, func() time.Time { return now })
		if err != nil {
			return err
		}
		if *showPEM {
			_, err := stdout.Write(n.CertificatePEM())
			return err
		}
		printNode(stdout, n)
		fmt.Fprintf(stdout, "partners:    %d\n", len(n.Partners()))
	}
	return nil
}

// printNode prints a node's name, fingerprint, certificate path and
// validity, one "key: value" a line.
func printNode(w io.Writer, n *identity.Node) {
	c := n.Certificate()
	fmt.Fprintf(w, "name:        %s\n", n.Name())
	fmt.Fprintf(w, "fingerprint: %s\n", n.Fingerprint())
	fmt.Fprintf(w, "certificate: %s\n", n.CertificatePath())
	fmt.Fprintf(w, "valid from:  %s\n", c.NotBefore.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "valid until: %s\n", c.NotAfter.UTC().Format(time.RFC3339))
}

func runPartner(ctx context.Context, args []string, stdout, stderr io.Writer, now time.Time) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprint(stderr, partnerUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	sub := args[0]
	fs := newFlagSet("partner "+sub, partnerUsage, stderr)
	data := dataFlag(fs)
	var name, certFile, addr, fingerprint, format *string
	switch sub {
	case "add":
		name = fs.String("name", "", "the partner's node name, as in its certificate, e.g. JP-JCG (required)")
		certFile = fs.String("cert", "", "the partner's certificate file, its node.crt (required)")
		addr = fs.String("addr", "", "HOST:PORT of the partner's link listener (empty if it only dials in)")
		fingerprint = fs.String("fingerprint", "", "the certificate's SHA-256 fingerprint as the partner confirmed it; the add fails if it differs")
	case "list":
		format = fs.String("format", "table", "table or json (one object a line)")
	case "revoke", "remove":
	default:
		return usageError(fs, stderr, "unknown partner command %q (add, list, revoke or remove)", sub)
	}
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return helpOK(err)
	}
	switch sub {
	case "add", "list":
		if len(pos) > 0 {
			return usageError(fs, stderr, "unexpected argument %q", pos[0])
		}
	case "revoke", "remove":
		if len(pos) != 1 {
			return usageError(fs, stderr, "%s needs the partner's NAME", sub)
		}
	}
	switch sub {
	case "add":
		switch {
		case *name == "":
			return usageError(fs, stderr, "--name is required (the partner's node name, e.g. --name JP-JCG)")
		case !identity.ValidName(*name):
			return usageError(fs, stderr, "--name %q: capital letters, digits, '.', '_' and '-', e.g. JP-JCG", *name)
		case *certFile == "":
			return usageError(fs, stderr, "--cert is required (the partner's node.crt)")
		}
		if *fingerprint != "" {
			if _, err := identity.ParseFingerprint(*fingerprint); err != nil {
				return usageError(fs, stderr, "--fingerprint: %v", err)
			}
		}
	case "list":
		if *format != "table" && *format != "json" {
			return usageError(fs, stderr, "--format %q: want table or json", *format)
		}
	}
	n, err := identity.Open(filepath.Join(*data, nodeDirName), func() time.Time { return now })
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		return partnerAdd(fs, n, *name, *certFile, *addr, *fingerprint, stdout, stderr, now)
	case "list":
		return partnerList(n, *format, stdout, now)
	case "revoke":
		if err := n.RevokePartner(pos[0], now); err != nil {
			return err
		}
		p, _ := n.Partner(pos[0])
		fmt.Fprintf(stderr, "partner %s revoked at %s: its handshakes are refused from now on, also by a running node\n",
			p.Name, p.Revoked.UTC().Format(time.RFC3339))
	case "remove":
		if err := n.RemovePartner(pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "partner %s removed\n", pos[0])
	}
	return nil
}

func partnerAdd(fs *flag.FlagSet, n *identity.Node, name, certFile, addr, fingerprint string, stdout, stderr io.Writer, now time.Time) error {
	f, err := os.Open(certFile)
	if err != nil {
		return fmt.Errorf("partner %s: --cert: %w", name, err)
	}
	certPEM, err := io.ReadAll(io.LimitReader(f, identity.MaxCertificateSize+1))
	f.Close()
	if err != nil {
		return fmt.Errorf("partner %s: --cert: %w", name, err)
	}
	p, err := n.AddPartnerWithFingerprint(name, certPEM, addr, fingerprint, now)
	if errors.Is(err, identity.ErrAddr) {
		return usageError(fs, stderr, "--addr: %v", err)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", certFile, err)
	}
	fmt.Fprintf(stdout, "name:        %s\n", p.Name)
	fmt.Fprintf(stdout, "fingerprint: %s\n", p.Fingerprint)
	fmt.Fprintf(stdout, "valid until: %s\n", p.NotAfter.UTC().Format(time.RFC3339))
	if p.Addr != "" {
		fmt.Fprintf(stdout, "address:     %s\n", p.Addr)
	}
	if fingerprint == "" {
		fmt.Fprintf(stderr, "partner %s added. Its fingerprint was not checked: confirm %s with %s by another channel, "+
			"and if it differs run \"tidewatch partner remove %s\" at once.\n", p.Name, p.Fingerprint, p.Name, p.Name)
	} else {
		fmt.Fprintf(stderr, "partner %s added; its fingerprint matches the one confirmed.\n", p.Name)
	}
	return nil
}

func partnerList(n *identity.Node, format string, stdout io.Writer, now time.Time) error {
	ps := n.Partners()
	if format == "json" {
		enc := json.NewEncoder(stdout)
		for _, p := range ps {
			if err := enc.Encode(struct {
				identity.Partner
				Status string `json:"status"`
			}{p, p.Status(now)}); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATUS\tADDRESS\tVALID UNTIL\tADDED\tFINGERPRINT")
	for _, p := range ps {
		status, addr := p.Status(now), p.Addr
		if !p.Revoked.IsZero() {
			status += " " + p.Revoked.UTC().Format(time.RFC3339)
		}
		if addr == "" {
			addr = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, status, addr,
			p.NotAfter.UTC().Format(time.RFC3339), p.Added.UTC().Format(time.RFC3339), p.Fingerprint)
	}
	return tw.Flush()
}
