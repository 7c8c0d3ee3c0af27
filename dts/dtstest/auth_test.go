package dtstest

import (
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
)

func TestPercentEncode(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "unreserved", in: "aZ09-_.~", want: "aZ09-_.~"},
		{name: "space", in: "a b", want: "a%20b"},
		{name: "star", in: "a*b", want: "a%2Ab"},
		{name: "plus", in: "a+b", want: "a%2Bb"},
		{name: "slash_equals_amp", in: "/=&", want: "%2F%3D%26"},
		{name: "utf8", in: "é", want: "%C3%A9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentEncode(tt.in); got != tt.want {
				t.Errorf("percentEncode(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStringToSign(t *testing.T) {
	p := map[string]string{"B": "x y", "A": "1", "Signature": "ignored", "C": ""}
	want := "POST&%2F&A%3D1%26B%3Dx%2520y%26C%3D"
	if got := stringToSign("POST", p); got != want {
		t.Errorf("stringToSign = %q, want %q", got, want)
	}
}

func TestAuthenticate(t *testing.T) {
	stale := time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04:05Z")
	tests := []struct {
		name   string
		req    request
		status int
		code   string
	}{
		{name: "post_query", req: request{}, status: 200},
		{name: "post_form_body", req: request{inBody: true}, status: 200},
		{name: "get", req: request{method: "GET"}, status: 200},
		{name: "post_signed_as_get", req: request{signMethod: "GET"}, status: 400, code: "SignatureDoesNotMatch"},
		{name: "wrong_secret", req: request{secret: "other"}, status: 400, code: "SignatureDoesNotMatch"},
		{name: "tampered", req: request{afterSign: func(p map[string]string) { p["SynchronizationDirection"] = "Forward" }},
			status: 400, code: "SignatureDoesNotMatch"},
		{name: "unknown_key", req: request{edit: func(p map[string]string) { p["AccessKeyId"] = "other" }},
			status: 404, code: "InvalidAccessKeyId.NotFound"},
		{name: "old_version", req: request{edit: func(p map[string]string) { p["Version"] = "2017-06-01" }},
			status: 400, code: "NoSuchVersion"},
		{name: "no_timestamp", req: request{edit: func(p map[string]string) { delete(p, "Timestamp") }},
			status: 400, code: "MissingParameter"},
		{name: "no_nonce", req: request{edit: func(p map[string]string) { delete(p, "SignatureNonce") }},
			status: 400, code: "MissingParameter"},
		{name: "no_format", req: request{edit: func(p map[string]string) { delete(p, "Format") }},
			status: 400, code: "MissingParameter"},
		{name: "no_version", req: request{edit: func(p map[string]string) { delete(p, "Version") }},
			status: 400, code: "MissingParameter"},
		{name: "no_signature", req: request{afterSign: func(p map[string]string) { delete(p, "Signature") }},
			status: 400, code: "MissingParameter"},
		{name: "xml_format", req: request{edit: func(p map[string]string) { p["Format"] = "XML" }},
			status: 400, code: "InvalidParameter"},
		{name: "stale_timestamp", req: request{edit: func(p map[string]string) { p["Timestamp"] = stale }},
			status: 400, code: "IllegalTimestamp"},
		{name: "sha256", req: request{edit: func(p map[string]string) { p["SignatureMethod"] = "HMAC-SHA256" }},
			status: 400, code: "IncompleteSignature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, Options{})
			tt.req.params = map[string]string{"SynchronizationJobId": oneWay.ID}
			r := send(t, s, "DescribeSynchronizationJobStatus", tt.req)
			if r.status != tt.status || r.code() != tt.code {
				t.Errorf("status, code = %d, %q, want %d, %q (%v)", r.status, r.code(), tt.status, tt.code, r.body)
			}
			if r.str("RequestId") == "" {
				t.Error("response has no RequestId")
			}
			calls := s.Calls()
			if len(calls) != 1 {
				t.Fatalf("calls = %d, want 1", len(calls))
			}
			if calls[0].HTTPStatus != tt.status || calls[0].Code != tt.code {
				t.Errorf("recorded status, code = %d, %q, want %d, %q", calls[0].HTTPStatus, calls[0].Code, tt.status, tt.code)
			}
			if _, ok := calls[0].Params["Signature"]; ok {
				t.Error("recorded parameters include Signature")
			}
			wantMethod := tt.req.method
			if wantMethod == "" {
				wantMethod = "POST"
			}
			if calls[0].Method != wantMethod {
				t.Errorf("recorded method = %q, want %q", calls[0].Method, wantMethod)
			}
		})
	}
}

func TestAuthenticate_NonceReuse(t *testing.T) {
	s := newTestServer(t, Options{})
	nonce := newNonce()
	req := request{
		params: map[string]string{"SynchronizationJobId": oneWay.ID},
		edit:   func(p map[string]string) { p["SignatureNonce"] = nonce },
	}
	if r := send(t, s, "DescribeSynchronizationJobStatus", req); r.status != 200 {
		t.Fatalf("first call: status %d, %v", r.status, r.body)
	}
	r := send(t, s, "DescribeSynchronizationJobStatus", req)
	if r.status != 400 || r.code() != "SignatureNonceUsed" {
		t.Errorf("replay: status, code = %d, %q, want 400, SignatureNonceUsed", r.status, r.code())
	}
}

// TestAuthenticate_SDKSignature sends values that percent-encoding treats
// specially through the real SDK: the emulator must accept its signature.
func TestAuthenticate_SDKSignature(t *testing.T) {
	s := newTestServer(t, Options{})
	client, err := sdk.NewClientWithOptions("cn-hangzhou", sdk.NewConfig(),
		credentials.NewStaticAKCredentialsProvider(testKeyID, testSecret))
	if err != nil {
		t.Fatalf("sdk client: %v", err)
	}
	tests := []struct {
		name, jobID string
		form        bool
	}{
		{name: "query", jobID: "a b*c~d/e+f=g&h%i é"},
		{name: "form_body", jobID: "x y*z~", form: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := requests.NewCommonRequest()
			req.Method = requests.POST
			req.Scheme = "http"
			req.Domain = s.URL[len("http://"):]
			req.Product = "Dts"
			req.Version = "2020-01-01"
			req.ApiName = "DescribeSynchronizationJobStatus"
			if tt.form {
				req.FormParams["SynchronizationJobId"] = tt.jobID
			} else {
				req.QueryParams["SynchronizationJobId"] = tt.jobID
			}
			_, err := client.ProcessCommonRequest(req)
			se, ok := err.(*sdkerrors.ServerError)
			if !ok {
				t.Fatalf("error = %T %v, want a server error", err, err)
			}
			// Not found means the signature was accepted and the job id
			// arrived intact.
			if se.ErrorCode() != "Forbidden.InstanceNotFound" {
				t.Errorf("code = %q, want Forbidden.InstanceNotFound", se.ErrorCode())
			}
			calls := s.Calls()
			if got := calls[len(calls)-1].Params["SynchronizationJobId"]; got != tt.jobID {
				t.Errorf("job id = %q, want %q", got, tt.jobID)
			}
		})
	}
}
