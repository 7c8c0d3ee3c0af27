package dts

import "testing"

func TestParseEndpoint(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    target
		wantErr bool
	}{
		{name: "empty", in: "", want: target{}},
		{name: "bare_host", in: "dts.cn-hangzhou.aliyuncs.com", want: target{"https", "dts.cn-hangzhou.aliyuncs.com"}},
		{name: "bare_host_port", in: "dts.example.com:8443", want: target{"https", "dts.example.com:8443"}},
		{name: "http_loopback", in: "http://127.0.0.1:8080", want: target{"http", "127.0.0.1:8080"}},
		{name: "https_trailing_slash", in: "https://dts.aliyuncs.com/", want: target{"https", "dts.aliyuncs.com"}},
		{name: "upper_scheme", in: "HTTP://127.0.0.1:1", want: target{"http", "127.0.0.1:1"}},
		{name: "ipv6", in: "http://[::1]:8080", want: target{"http", "[::1]:8080"}},
		{name: "ftp", in: "ftp://dts.aliyuncs.com", wantErr: true},
		{name: "path", in: "http://127.0.0.1:8080/api", wantErr: true},
		{name: "query", in: "http://127.0.0.1:8080/?a=b", wantErr: true},
		{name: "user", in: "http://u:p@127.0.0.1:8080", wantErr: true},
		{name: "bad_port", in: "127.0.0.1:99999", wantErr: true},
		{name: "named_port", in: "dts.aliyuncs.com:https", wantErr: true},
		{name: "no_host", in: "http://:8080", wantErr: true},
		{name: "bare_with_path", in: "dts.aliyuncs.com/x", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseEndpoint(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseEndpoint(%q) error = %v, want error: %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("parseEndpoint(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestRegionHost(t *testing.T) {
	tests := []struct {
		name, region, want string
	}{
		{name: "regional", region: "cn-hangzhou", want: "dts.cn-hangzhou.aliyuncs.com"},
		{name: "finance", region: "cn-hangzhou-finance", want: "dts.cn-hangzhou.aliyuncs.com"},
		{name: "central", region: "cn-chengdu", want: "dts.aliyuncs.com"},
		{name: "unknown", region: "xx-nowhere-9", want: "dts.aliyuncs.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RegionHost(tt.region); got != tt.want {
				t.Errorf("RegionHost(%q) = %q, want %q", tt.region, got, tt.want)
			}
		})
	}
}

func TestClient_TargetPerRegion(t *testing.T) {
	c, err := New(Config{RegionID: "cn-beijing", AccessKeyID: "id", AccessKeySecret: "secret"})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if got, want := c.targetOf("cn-beijing"), (target{"https", "dts.cn-beijing.aliyuncs.com"}); got != want {
		t.Errorf("target = %+v, want %+v", got, want)
	}
	if got, want := c.targetOf("us-east-1"), (target{"https", "dts.us-east-1.aliyuncs.com"}); got != want {
		t.Errorf("target = %+v, want %+v", got, want)
	}
	c, err = New(Config{RegionID: "cn-beijing", Endpoint: "http://127.0.0.1:9", AccessKeyID: "id", AccessKeySecret: "secret"})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if got, want := c.targetOf("us-east-1"), (target{"http", "127.0.0.1:9"}); got != want {
		t.Errorf("target with an override = %+v, want %+v", got, want)
	}
}

func TestNew_Validation(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{name: "no_region", cfg: Config{AccessKeyID: "a", AccessKeySecret: "b"}},
		{name: "bad_region", cfg: Config{RegionID: "cn hangzhou", AccessKeyID: "a", AccessKeySecret: "b"}},
		{name: "id_without_secret", cfg: Config{RegionID: "cn-hangzhou", AccessKeyID: "a"}},
		{name: "secret_without_id", cfg: Config{RegionID: "cn-hangzhou", AccessKeySecret: "b"}},
		{name: "bad_endpoint", cfg: Config{RegionID: "cn-hangzhou", Endpoint: "ftp://x", AccessKeyID: "a", AccessKeySecret: "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); err == nil {
				t.Errorf("New(%+v) succeeded, want an error", tt.cfg)
			}
		})
	}
}
