package dtstest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dts-reconciler/dts"
)

const (
	testKeyID  = "test-key-id"
	testSecret = "test-secret-value"
)

var (
	oneWay = Job{
		ID: "dtsone", Name: "one",
		Source:      dts.Endpoint{InstanceType: "ECS", InstanceID: "i-a", IP: "10.0.0.1", Port: "3306", EngineName: "MySQL", UserName: "dts"},
		Destination: dts.Endpoint{InstanceType: "LocalInstance", IP: "203.0.113.1", Port: "3306"},
	}
	twoWay = Job{
		ID: "dtstwo", Name: "two", TwoWay: true,
		Source:      dts.Endpoint{InstanceType: "ECS", InstanceID: "i-b", Port: "3306"},
		Destination: dts.Endpoint{InstanceType: "Express", InstanceID: "vpc-c", IP: "172.16.0.1", Port: "3307"},
	}
)

func newTestServer(t *testing.T, opts Options) *Server {
	t.Helper()
	opts.AccessKeyID, opts.AccessKeySecret = testKeyID, testSecret
	s := NewServer(opts)
	t.Cleanup(s.Close)
	s.AddJob(oneWay)
	s.AddJob(twoWay)
	return s
}

// request is a raw RPC call built by hand, without the SDK.
type request struct {
	method string
	params map[string]string // API parameters; common ones are added
	// inBody sends the parameters as a form body instead of the query.
	inBody bool
	// signMethod, when set, is the method used in the string to sign.
	signMethod string
	secret     string
	// edit changes the parameters after the common ones are added and
	// before signing; afterSign changes them after signing.
	edit, afterSign func(map[string]string)
}

// reply is a decoded response.
type reply struct {
	status int
	body   map[string]any
}

func (r reply) str(key string) string {
	v, _ := r.body[key].(string)
	return v
}

// code returns the error code of either channel.
func (r reply) code() string {
	if c := r.str("Code"); c != "" {
		return c
	}
	return r.str("ErrCode")
}

func newNonce() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// commonParams returns the parameters every signed call carries.
func commonParams(action string) map[string]string {
	return map[string]string{
		"Action":           action,
		"Version":          "2020-01-01",
		"Format":           "JSON",
		"Timestamp":        time.Now().UTC().Format("2006-01-02T15:04:05Z"),
		"SignatureNonce":   newNonce(),
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureVersion": "1.0",
		"SignatureType":    "",
		"AccessKeyId":      testKeyID,
		"RegionId":         "cn-hangzhou",
	}
}

// send signs and sends req, and decodes the response.
func send(t *testing.T, s *Server, action string, req request) reply {
	t.Helper()
	if req.method == "" {
		req.method = http.MethodPost
	}
	if req.secret == "" {
		req.secret = testSecret
	}
	p := commonParams(action)
	for k, v := range req.params {
		p[k] = v
	}
	if req.edit != nil {
		req.edit(p)
	}
	signMethod := req.method
	if req.signMethod != "" {
		signMethod = req.signMethod
	}
	p["Signature"] = sign(req.secret, stringToSign(signMethod, p))
	if req.afterSign != nil {
		req.afterSign(p)
	}
	return sendRaw(t, s, req.method, p, req.inBody)
}

// sendRaw sends p as they are.
func sendRaw(t *testing.T, s *Server, method string, p map[string]string, inBody bool) reply {
	t.Helper()
	values := url.Values{}
	for k, v := range p {
		values.Set(k, v)
	}
	target, body := s.URL+"/?"+values.Encode(), ""
	if inBody {
		target, body = s.URL+"/", values.Encode()
	}
	hr, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", method, p["Action"], err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	r := reply{status: resp.StatusCode, body: map[string]any{}}
	if err := json.Unmarshal(b, &r.body); err != nil {
		t.Fatalf("response is not JSON: %v: %s", err, b)
	}
	return r
}

// switchParams returns valid switch parameters for the forward source of
// the one-way job.
func switchParams(edit func(map[string]string)) map[string]string {
	p := map[string]string{
		"SynchronizationJobId":  oneWay.ID,
		"Endpoint.Type":         "Source",
		"Endpoint.InstanceType": "ECS",
		"Endpoint.InstanceId":   "i-new",
		"Endpoint.IP":           "10.0.0.9",
		"Endpoint.Port":         "3306",
	}
	if edit != nil {
		edit(p)
	}
	return p
}

// waitState polls a task until its status is want, and fails the test
// when that has not happened after 20 s.
func waitState(t *testing.T, s *Server, taskID, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := send(t, s, "DescribeEndpointSwitchStatus", request{params: map[string]string{"TaskId": taskID}})
		if got := r.str("Status"); got == want {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("task %s status = %q, want %q", taskID, got, want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
