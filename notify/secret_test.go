package notify

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dts-reconciler/notify/slacktest"
)

const (
	secretPath  = "/services/TSECRET01/BSECRET02/webhookSecretValue7731"
	secretToken = "xoxb-1111-2222-tokenSecretValue8842"
)

// closedAddress returns a loopback address that nothing listens on.
func closedAddress(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestNotifier_NoSecretInLogs(t *testing.T) {
	tests := []struct {
		name      string
		configure func(srv *slacktest.Server, cfg *Config)
		misbehave func(srv *slacktest.Server)
	}{
		{
			name:      "webhook_refused",
			configure: func(_ *slacktest.Server, cfg *Config) { cfg.WebhookURL = "http://" + closedAddress(t) + secretPath },
		},
		{
			name:      "webhook_500",
			configure: func(srv *slacktest.Server, cfg *Config) { cfg.WebhookURL = srv.URL() + secretPath },
			misbehave: func(srv *slacktest.Server) { srv.FailNext(5, http.StatusInternalServerError) },
		},
		{
			name:      "webhook_timeout",
			configure: func(srv *slacktest.Server, cfg *Config) { cfg.WebhookURL = srv.URL() + secretPath },
			misbehave: func(srv *slacktest.Server) { srv.Hang(true) },
		},
		{
			name:      "webhook_rate_limited",
			configure: func(srv *slacktest.Server, cfg *Config) { cfg.WebhookURL = srv.URL() + secretPath },
			misbehave: func(srv *slacktest.Server) { srv.RateLimit(1, "0"); srv.FailNext(5, http.StatusForbidden) },
		},
		{
			name:      "webhook_unparsable",
			configure: func(srv *slacktest.Server, cfg *Config) { cfg.WebhookURL = "http://bad host" + secretPath },
		},
		{
			name: "bot_refused",
			configure: func(_ *slacktest.Server, cfg *Config) {
				cfg.Token, cfg.Channel, cfg.APIURL = secretToken, "#dba", "http://"+closedAddress(t)+"/api/"
			},
		},
		{
			name: "bot_rejected",
			configure: func(srv *slacktest.Server, cfg *Config) {
				srv.RequireToken("xoxb-another")
				cfg.Token, cfg.Channel, cfg.APIURL = secretToken, "#dba", srv.APIURL()
			},
		},
		{
			name: "bot_timeout",
			configure: func(srv *slacktest.Server, cfg *Config) {
				cfg.Token, cfg.Channel, cfg.APIURL = secretToken, "#dba", srv.APIURL()
			},
			misbehave: func(srv *slacktest.Server) { srv.Hang(true) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			var logs logBuffer
			var res results
			cfg := Config{Timeout: 300 * time.Millisecond, Logger: newLogger(&logs), OnResult: res.record}
			tt.configure(srv, &cfg)
			if tt.misbehave != nil {
				tt.misbehave(srv)
			}
			n := newNotifier(t, srv, cfg)

			n.Post(jobEvent(KindSwitchStarted))
			n.Post(jobEvent(KindSwitchFailed))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := n.Flush(ctx); err != nil {
				t.Fatalf("flush: %v", err)
			}
			n.Close()
			srv.Hang(false)

			out := logs.String()
			if !strings.Contains(out, "slack message not delivered") {
				t.Fatalf("no delivery warning logged, so the test proves nothing:\n%s", out)
			}
			for _, secret := range []string{"webhookSecretValue7731", "tokenSecretValue8842", "TSECRET01"} {
				if strings.Contains(out, secret) {
					t.Errorf("log output contains %q:\n%s", secret, out)
				}
			}
			if _, failed := res.snapshot(); len(failed) != 2 {
				t.Errorf("failures: got %q, want 2", failed)
			}
		})
	}
}

func TestNotifier_FlushErrorHasNoSecret(t *testing.T) {
	srv := newServer(t)
	n := newNotifier(t, srv, Config{WebhookURL: srv.URL() + secretPath})
	srv.Hang(true)
	n.Post(jobEvent(KindSwitchStarted))

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := n.Flush(ctx)
	if err == nil {
		t.Fatal("flush while hung: got nil error")
	}
	if strings.Contains(err.Error(), "webhookSecretValue7731") {
		t.Errorf("flush error contains the webhook secret: %v", err)
	}
	srv.Hang(false)
}

func TestRedact(t *testing.T) {
	webhook := "https://hooks.slack.com" + secretPath
	n := &Notifier{secrets: secretForms(webhook, secretToken)}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{
			name: "url_error",
			err:  &url.Error{Op: "Post", URL: webhook, Err: context.DeadlineExceeded},
			want: `Post "[REDACTED]": context deadline exceeded`,
		},
		{
			name: "wrapped_path",
			err:  errors.New("redirect to " + secretPath + " refused"),
			want: "redirect to [REDACTED] refused",
		},
		{
			name: "escaped_token",
			err:  errors.New("body token=" + url.QueryEscape(secretToken+"/x")),
			want: "body token=[REDACTED]%2Fx",
		},
		{
			name: "token",
			err:  errors.New("invalid token " + secretToken),
			want: "invalid token [REDACTED]",
		},
		{
			name: "nothing_secret",
			err:  errors.New("dial tcp 127.0.0.1:1: connection refused"),
			want: "dial tcp 127.0.0.1:1: connection refused",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := n.redact(tt.err); got != tt.want {
				t.Errorf("redact: got %q, want %q", got, tt.want)
			}
		})
	}
}
