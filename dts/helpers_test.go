package dts_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/dts/dtstest"
)

// Distinctive credentials, so that a leak into an error or a log line is
// found by a plain substring search.
const (
	testKeyID  = "LTAI5tQxKeyIdDistinct7731"
	testSecret = "zq9SecretValueDistinct-4417x"
)

// Jobs of every test environment.
var (
	oneWayJob = dtstest.Job{
		ID: "dtsone1a2b3c", Name: "orders-sync",
		Source:      dts.Endpoint{InstanceType: "ECS", InstanceID: "i-src0001", IP: "10.0.0.1", Port: "3306", EngineName: "MySQL", UserName: "dts"},
		Destination: dts.Endpoint{InstanceType: "LocalInstance", IP: "203.0.113.5", Port: "3306", EngineName: "MySQL", UserName: "dts"},
	}
	twoWayJob = dtstest.Job{
		ID: "dtstwo4d5e6f", Name: "reports-sync", TwoWay: true,
		Source:      dts.Endpoint{InstanceType: "ECS", InstanceID: "i-aaaa0001", IP: "10.0.1.11", Port: "3306"},
		Destination: dts.Endpoint{InstanceType: "Express", InstanceID: "vpc-bbbb0001", IP: "172.16.5.21", Port: "3307"},
	}
)

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// observed records the codes that Config.Observe receives.
type observed struct {
	mu    sync.Mutex
	codes map[string][]string // by action
}

func (o *observed) add(action, code string, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.codes[action] = append(o.codes[action], code)
}

func (o *observed) of(action string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.codes[action]...)
}

type env struct {
	srv    *dtstest.Server
	client *dts.Client
	logs   *syncBuffer
	obs    *observed
}

// newEnv starts an emulator with the test jobs and a client for it. mod,
// when set, changes the client's config before New.
func newEnv(t *testing.T, opts dtstest.Options, mod func(*dts.Config)) *env {
	t.Helper()
	opts.AccessKeyID, opts.AccessKeySecret = testKeyID, testSecret
	srv := dtstest.NewServer(opts)
	t.Cleanup(srv.Close)
	srv.AddJob(oneWayJob)
	srv.AddJob(twoWayJob)

	e := &env{srv: srv, logs: &syncBuffer{}, obs: &observed{codes: map[string][]string{}}}
	cfg := dts.Config{
		RegionID:        "cn-hangzhou",
		Endpoint:        srv.URL,
		AccessKeyID:     testKeyID,
		AccessKeySecret: testSecret,
		Timeout:         5 * time.Second,
		MaxAttempts:     4,
		BaseBackoff:     time.Millisecond,
		MaxBackoff:      5 * time.Millisecond,
		Logger:          slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Observe:         e.obs.add,
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := dts.New(cfg)
	if err != nil {
		t.Fatalf("dts.New: %v", err)
	}
	e.client = c
	return e
}

// waitTask polls a switch task until it ends.
func waitTask(t *testing.T, c *dts.Client, taskID string) dts.TaskStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		st, err := c.SwitchStatus(ctx, "", taskID)
		if err != nil {
			t.Fatalf("SwitchStatus(%s): %v", taskID, err)
		}
		if st.Terminal() {
			return st
		}
		select {
		case <-ctx.Done():
			t.Fatalf("task %s still %s when the test gave up", taskID, st.Status)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
