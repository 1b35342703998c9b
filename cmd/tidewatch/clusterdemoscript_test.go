//go:build unix

package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// portRun returns the first of n consecutive loopback ports, free when
// checked, below the ephemeral range.
func portRun(t *testing.T, n int) int {
	t.Helper()
	for range 200 {
		base := 20000 + rand.IntN(12000)
		ok := true
		for p := base; p < base+n && ok; p++ {
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if ok = err == nil; ok {
				ln.Close()
			}
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free run of ports")
	return 0
}

// TestClusterDemoScript runs scripts/cluster-demo.sh as a user does, on a
// tidewatch binary built from this package: it waits until the script
// says all three nodes are ready and checks each answers /readyz; runs
// the kill and restart commands it printed for node b and waits until b
// is ready again; then interrupts the script (Ctrl-C) and checks that
// it stopped all three nodes, the restarted one too, and kept the
// directory it was given.
func TestClusterDemoScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds tidewatch and runs three demo nodes")
	}
	bashPath, err := exec.LookPath("bash")
	if err != nil {
		t.Skipf("no bash: %v", err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "tidewatch")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	root := filepath.Join(dir, "cluster")
	httpPort, routePort := portRun(t, 3), portRun(t, 3)
	cmd := exec.Command(bashPath, "../../scripts/cluster-demo.sh", root, "--", "--vessels", "100", "--history", "8h", "--log-level", "warn")
	cmd.Env = append(os.Environ(), "TIDEWATCH="+bin, "HTTP_PORT="+strconv.Itoa(httpPort), "ROUTE_PORT="+strconv.Itoa(routePort))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() { // the test failed half-way: stop the script and its nodes
		if cmd.ProcessState == nil {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		}
		for _, n := range []string{"a", "b", "c"} {
			if b, err := os.ReadFile(filepath.Join(root, n+".pid")); err == nil {
				if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		}
	})

	// The script's message once all three are ready: the URLs and the
	// commands for node b.
	var out []string
	var killB, restartB string
	deadline := time.After(8 * time.Minute)
	for done := false; !done; {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the script ended before the nodes were ready:\n%s\n%s", strings.Join(out, "\n"), stderr.String())
			}
			out = append(out, l)
			switch s := strings.TrimSpace(l); {
			case strings.HasPrefix(s, "kill -9") && strings.Contains(s, "/b.pid"):
				killB = s
			case strings.HasPrefix(s, bin+" demo") && strings.Contains(s, "/b.pid"):
				restartB = s
			case s == "Ctrl-C stops all three.":
				done = true
			}
		case <-deadline:
			t.Fatalf("the script did not say the nodes were ready in 8 minutes:\n%s\n%s", strings.Join(out, "\n"), stderr.String())
		}
	}
	text := strings.Join(out, "\n")
	ready := func(port int) error {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", port))
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/readyz on %d: %s", port, resp.Status)
		}
		return nil
	}
	for i := range 3 {
		url := fmt.Sprintf("http://127.0.0.1:%d", httpPort+i)
		if !strings.Contains(text, url) {
			t.Errorf("the script does not print %s:\n%s", url, text)
		}
		if err := ready(httpPort + i); err != nil {
			t.Errorf("after the script said ready: %v", err)
		}
	}
	if killB == "" || restartB == "" {
		t.Fatalf("the script does not print the kill and restart commands of node b:\n%s", text)
	}

	// Node b killed and restarted with the printed commands.
	pidOf := func(n string) int {
		b, err := os.ReadFile(filepath.Join(root, n+".pid"))
		if err != nil {
			t.Fatal(err)
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		return pid
	}
	// The restart follows once the killed process is gone: a process
	// killed under load may hold its HTTP port for a while as it exits
	// (the restart then fails: "the address is already in use").
	oldB := pidOf("b")
	run := func(c string) {
		if out, err := exec.Command(bashPath, "-c", c).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", c, err, out)
		}
	}
	run(killB)
	if err := poll(time.Minute, 100*time.Millisecond, func() error {
		if alive(oldB) {
			return fmt.Errorf("node b (%d) still runs after %s", oldB, killB)
		}
		// A zombie leader's other threads may still hold the port.
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", httpPort+1))
		if err != nil {
			return fmt.Errorf("node b's port after %s: %w", killB, err)
		}
		return l.Close()
	}); err != nil {
		t.Fatal(err)
	}
	run(restartB)
	if err := poll(5*time.Minute, time.Second, func() error { return ready(httpPort + 1) }); err != nil {
		t.Fatalf("node b restarted: %v\n%s", err, readTail(filepath.Join(root, "b.log")))
	}
	pids := []int{pidOf("a"), pidOf("b"), pidOf("c")}
	if pids[1] == oldB {
		t.Errorf("b.pid still holds the killed node's id %d", oldB)
	}

	// Ctrl-C: every node stops, the directory given is kept.
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(3 * time.Minute):
		t.Fatalf("the script did not stop on Ctrl-C\n%s", stderr.String())
	}
	for i, pid := range pids {
		if alive(pid) {
			t.Errorf("node %c (%d) still runs after the script stopped", 'a'+i, pid)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "a", "cluster", "demo.json")); err != nil {
		t.Errorf("the generator's data directory was not kept: %v", err)
	}
	if !strings.Contains(stderr.String(), "data and logs kept in "+root) {
		t.Errorf("the script does not say where it kept the data:\n%s", stderr.String())
	}
}

// alive reports whether process pid runs: one that exited but was not
// reaped yet (a zombie, as the nodes the script started are once it
// stopped) does not.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return err != nil || !strings.Contains(string(b), ") Z ")
}

// readTail returns the last 2,000 bytes of a file, for a failure's message.
func readTail(path string) string {
	b, _ := os.ReadFile(path)
	return tail(string(b), 2000)
}
