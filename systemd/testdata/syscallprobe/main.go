// Command syscallprobe does once each kind of work dts-reconciler does at
// run time. It serves Prometheus metrics on loopback and scrapes them. It
// sends a systemd notification, handles a signal and writes a file the way
// the state file is written. It keeps goroutines busy enough for the
// runtime to preempt them. Run under strace, it shows which system calls
// such a program makes, so a test can check them against the units' filter.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"

	"dts-reconciler/internal/sdnotify"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "syscallprobe:", err)
		os.Exit(1)
	}
}

func run() error {
	dir, err := os.MkdirTemp("", "syscallprobe")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	if err := serveAndScrape(); err != nil {
		return err
	}
	if err := notify(dir); err != nil {
		return err
	}
	if err := writeAtomically(filepath.Join(dir, "state.json")); err != nil {
		return err
	}
	if _, err := net.LookupHost("localhost"); err != nil {
		return fmt.Errorf("resolve localhost: %w", err)
	}

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGHUP)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		return fmt.Errorf("send SIGHUP: %w", err)
	}
	<-signals

	busy()
	runtime.GC()
	return nil
}

func serveAndScrape() error {
	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: promhttp.HandlerFor(registry, promhttp.HandlerOpts{}), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

func notify(dir string) error {
	addr := filepath.Join(dir, "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer conn.Close()
	os.Setenv("NOTIFY_SOCKET", addr)
	return sdnotify.Ready()
}

func writeAtomically(path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".state-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(`{"jobs":{}}`); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// busy runs more goroutines than processors for long enough that the
// scheduler preempts them with signals.
func busy() {
	var wg sync.WaitGroup
	deadline := time.Now().Add(50 * time.Millisecond)
	for range 2 * runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for time.Now().Before(deadline) {
				n++
			}
		}()
	}
	wg.Wait()
}
