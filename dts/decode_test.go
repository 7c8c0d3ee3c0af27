package dts

import (
	"encoding/json"
	"testing"
)

func TestFlexString_Unmarshal(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "string", in: `"3306"`, want: "3306"},
		{name: "integer", in: `3306`, want: "3306"},
		{name: "large_integer", in: `1700000000123`, want: "1700000000123"},
		{name: "float", in: `1.5`, want: "1.5"},
		{name: "true", in: `true`, want: "true"},
		{name: "false", in: `false`, want: "false"},
		{name: "null", in: `null`, want: ""},
		{name: "object", in: `{"a":1}`, want: ""},
		{name: "array", in: `[1,2]`, want: ""},
		{name: "escaped", in: `"a\"b"`, want: `a"b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v struct {
				F flexString `json:"f"`
			}
			if err := json.Unmarshal([]byte(`{"f":`+tt.in+`}`), &v); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if string(v.F) != tt.want {
				t.Errorf("got %q, want %q", v.F, tt.want)
			}
		})
	}
}

func TestEnvelope_Failure(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		fails   bool
		code    string
		message string
	}{
		{name: "success_string", body: `{"Success":"true"}`},
		{name: "success_bool", body: `{"Success":true}`},
		{name: "no_success_no_code", body: `{"RequestId":"r"}`},
		{name: "false_string", body: `{"Success":"false","ErrCode":"InternalError","ErrMessage":"boom"}`, fails: true, code: "InternalError", message: "boom"},
		{name: "false_bool", body: `{"Success":false,"ErrCode":"X","ErrMessage":"m"}`, fails: true, code: "X", message: "m"},
		{name: "false_capitalised", body: `{"Success":"False","ErrCode":"X"}`, fails: true, code: "X"},
		{name: "code_without_success", body: `{"ErrCode":"X","ErrMessage":"m"}`, fails: true, code: "X", message: "m"},
		{name: "false_without_code", body: `{"Success":"false"}`, fails: true, message: `the response has Success "false" and no error code`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var env envelope
			if err := json.Unmarshal([]byte(tt.body), &env); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			ae := env.failure("A", 200)
			if (ae != nil) != tt.fails {
				t.Fatalf("failure = %v, want failure: %v", ae, tt.fails)
			}
			if ae == nil {
				return
			}
			if ae.Code != tt.code {
				t.Errorf("code = %q, want %q", ae.Code, tt.code)
			}
			if ae.Message != tt.message {
				t.Errorf("message = %q, want %q", ae.Message, tt.message)
			}
			if ae.HTTPStatus != 200 || ae.Action != "A" {
				t.Errorf("status, action = %d, %q, want 200, A", ae.HTTPStatus, ae.Action)
			}
		})
	}
}
