//go:build !unix

package server

import (
	"errors"
	"os"
)

// pauseProcess and resumeProcess are unsupported where there is no
// SIGSTOP: the tests that pause a node skip that phase.
func pauseProcess(p *os.Process) error  { return errors.ErrUnsupported }
func resumeProcess(p *os.Process) error { return errors.ErrUnsupported }

// dumpProcess is unsupported without SIGQUIT.
func dumpProcess(p *os.Process) error { return errors.ErrUnsupported }
