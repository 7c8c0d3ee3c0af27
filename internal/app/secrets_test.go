package app

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"dts-reconciler/dts"
	"dts-reconciler/dts/dtstest"
	"dts-reconciler/internal/e2etest"
	"dts-reconciler/notify/slacktest"
)

// Distinctive secret values. Each is long and unusual enough that finding
// it anywhere in the output can only mean it leaked.
const (
	secretAccessKey    = "AKS-dtsapp-5tR9wQ-distinctive"
	wrongAccessKey     = "AKS-wrong-4Dm1Xe-distinctive"
	wrongProbePassword = "Pw-wrong-3Jf8Uc-distinctive"
	secretSlackToken   = "xoxb-dtsapp-8Lk3Vn-distinctive"
	secretWebhookPath  = "/services/T0APP/B0APP/whk-dtsapp-2Gp6Ys-distinctive"
)

// leakCheck collects every output of a test and searches it for secrets.
type leakCheck struct {
	t       *testing.T
	secrets []string
	outputs map[string]string // what -> text
}

func (lc *leakCheck) add(what, text string) {
	lc.outputs[what] += text
}

// run runs a command in both log formats at debug level and keeps what
// it printed. before, when not nil, runs before each of the two runs. It
// returns the results, text format first.
func (lc *leakCheck) run(what string, before func(), args ...string) [2]result {
	lc.t.Helper()
	var out [2]result
	for i, format := range []string{"text", "json"} {
		if before != nil {
			before()
		}
		full := append(append([]string{}, args...), "-log-format", format, "-log-level", "debug")
		res := run(lc.t, full...)
		lc.add(what+" "+format+" stdout", res.stdout)
		lc.add(what+" "+format+" stderr", res.stderr)
		out[i] = res
	}
	return out
}

// verify fails the test for every secret found in any output.
func (lc *leakCheck) verify() {
	lc.t.Helper()
	for what, text := range lc.outputs {
		for _, s := range lc.secrets {
			if i := strings.Index(text, s); i >= 0 {
				lo, hi := max(0, i-200), min(len(text), i+len(s)+50)
				lc.t.Errorf("%s contains the secret %q: ...%s...", what, s, text[lo:hi])
			}
		}
	}
}

// wantAll fails the test unless both results have the exit status and
// their stderr contains every part.
func wantAll(t *testing.T, res [2]result, code int, parts ...string) {
	t.Helper()
	for _, r := range res {
		wantCode(t, r, code)
		for _, p := range parts {
			if !strings.Contains(r.stderr+r.stdout, p) {
				t.Errorf("output does not contain %q:\nstdout:\n%s\nstderr:\n%s", p, r.stdout, r.stderr)
			}
		}
	}
}

func TestSecrets_NeverPrinted(t *testing.T) {
	job := jobSpec{id: "dtssecrets", source: "orders"}
	r := newRig(t, dtstest.Options{AccessKeyID: "LTAI-dtsapp-test", AccessKeySecret: secretAccessKey}, job)
	webhookURL := r.slack.URL() + secretWebhookPath
	r.spec.webhookURL = webhookURL

	bot := slacktest.NewServer()
	t.Cleanup(bot.Close)
	bot.RequireToken(secretSlackToken)

	lc := &leakCheck{t: t, outputs: map[string]string{}, secrets: []string{
		probePassword, secretAccessKey, wrongAccessKey, wrongProbePassword, secretSlackToken,
		webhookURL, secretWebhookPath, strings.TrimPrefix(secretWebhookPath, "/services/"),
	}}
	// drift points the job at the node that is not the primary, so the
	// next once switches it.
	drift := func() { r.addJob(job, r.orders.Nodes[e2etest.Other(r.orders)]) }
	webhookConfig := r.writeConfig()

	botSpec := r.spec
	botSpec.webhookURL, botSpec.token, botSpec.channel, botSpec.apiURL = "", secretSlackToken, "#dts", bot.APIURL()
	botConfig := writeFile(t, r.dir, "bot.yaml", botSpec.yaml())

	wrongKeySpec := r.spec
	wrongKeySpec.accessKeySecret = wrongAccessKey
	wrongKeyConfig := writeFile(t, r.dir, "wrong-key.yaml", wrongKeySpec.yaml())

	wrongPasswordSpec := r.spec
	wrongPasswordSpec.password = wrongProbePassword
	wrongPasswordConfig := writeFile(t, r.dir, "wrong-password.yaml", wrongPasswordSpec.yaml())

	t.Run("once_webhook", func(t *testing.T) {
		before := len(r.slack.Messages())
		wantAll(t, lc.run("once webhook", drift, "once", "-config", webhookConfig), ExitOK, "switch call accepted")
		if len(r.slack.Messages()) == before {
			t.Errorf("the webhook received nothing")
		}
	})
	t.Run("once_bot", func(t *testing.T) {
		before := len(bot.Messages())
		wantAll(t, lc.run("once bot", drift, "once", "-config", botConfig), ExitOK, "switch call accepted")
		if len(bot.Messages()) == before {
			t.Errorf("the bot posted nothing")
		}
	})
	t.Run("audit", func(t *testing.T) {
		wantAll(t, lc.run("audit text", drift, "audit", "-config", webhookConfig, "-notify"), ExitDrift, job.id)
		wantAll(t, lc.run("audit json", drift, "audit", "-config", botConfig, "-notify", "-format", "json"), ExitDrift, job.id)
	})
	t.Run("validate_connect", func(t *testing.T) {
		wantAll(t, lc.run("validate", nil, "validate", "-config", webhookConfig, "-connect"), ExitOK, "every node and job was reached")
		wantAll(t, lc.run("validate bot", nil, "validate", "-config", botConfig, "-connect"), ExitOK, "every node and job was reached")
	})
	t.Run("wrong_access_key", func(t *testing.T) {
		wantAll(t, lc.run("once wrong key", drift, "once", "-config", wrongKeyConfig), ExitUnknown, "SignatureDoesNotMatch")
		wantAll(t, lc.run("validate wrong key", nil, "validate", "-config", wrongKeyConfig, "-connect"), ExitInvalid, "SignatureDoesNotMatch")
	})
	t.Run("wrong_password", func(t *testing.T) {
		wantAll(t, lc.run("once wrong password", nil, "once", "-config", wrongPasswordConfig), ExitUnknown, "Access denied")
		wantAll(t, lc.run("validate wrong password", nil, "validate", "-config", wrongPasswordConfig, "-connect"), ExitInvalid, "Access denied")
	})
	t.Run("slack_500", func(t *testing.T) {
		r.slack.FailNext(1000, http.StatusInternalServerError)
		bot.FailNext(1000, http.StatusInternalServerError)
		t.Cleanup(func() {
			r.slack.FailNext(0, 0)
			bot.FailNext(0, 0)
		})
		wantAll(t, lc.run("once webhook 500", drift, "once", "-config", webhookConfig), ExitOK, "500")
		wantAll(t, lc.run("once bot 500", drift, "once", "-config", botConfig), ExitOK, "500")
		wantAll(t, lc.run("audit webhook 500", drift, "audit", "-config", webhookConfig, "-notify"), ExitDrift, "500")
	})
	t.Run("failed_task", func(t *testing.T) {
		failNext := func() {
			drift()
			r.emu.FailNextTask(job.id)
		}
		wantAll(t, lc.run("once failed task", failNext, "once", "-config", webhookConfig), ExitDrift, "switch task failed")
		wantAll(t, lc.run("once bot failed task", failNext, "once", "-config", botConfig), ExitDrift, "switch task failed")
		if pointsAt(r.emu, job.id, dts.Forward, dts.Source, r.orders.PrimaryNode()) {
			t.Errorf("job %s points at the primary after a failed switch task", job.id)
		}
	})

	state, err := os.ReadFile(r.spec.stateFile)
	if err != nil {
		t.Fatalf("read state file: %v", err)
	}
	lc.add("state file", string(state))
	for _, m := range append(r.slack.Messages(), bot.Messages()...) {
		lc.add("slack message", m.Text+"\n"+string(m.Blocks)+"\n")
	}
	if !strings.Contains(lc.outputs["slack message"], job.id) {
		t.Errorf("no Slack message names the job; the search for secrets in them proves nothing")
	}
	lc.verify()
}
