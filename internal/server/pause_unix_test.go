//go:build unix

package server

import (
	"os"
	"syscall"
)

// pauseProcess stops p as if it were cut off (SIGSTOP); resumeProcess
// lets it go on (SIGCONT).
func pauseProcess(p *os.Process) error  { return p.Signal(syscall.SIGSTOP) }
func resumeProcess(p *os.Process) error { return p.Signal(syscall.SIGCONT) }

// dumpProcess makes p print every goroutine's stack to its log and exit
// (SIGQUIT, with GOTRACEBACK=all in its environment): for a node that
// hangs.
func dumpProcess(p *os.Process) error { return p.Signal(syscall.SIGQUIT) }
