package dts

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// centralHost is the DTS host that every SDK endpoint map gives for every
// region. It serves the regions without a regional host of their own.
const centralHost = "dts.aliyuncs.com"

// regionalHosts maps a region to its DTS host, from the request syntax page
// of the DTS API documentation. Regions missing here use centralHost.
var regionalHosts = map[string]string{
	"cn-hangzhou":           "dts.cn-hangzhou.aliyuncs.com",
	"cn-shanghai":           "dts.cn-shanghai.aliyuncs.com",
	"cn-qingdao":            "dts.cn-qingdao.aliyuncs.com",
	"cn-beijing":            "dts.cn-beijing.aliyuncs.com",
	"cn-zhangjiakou":        "dts.cn-zhangjiakou.aliyuncs.com",
	"cn-huhehaote":          "dts.cn-huhehaote.aliyuncs.com",
	"cn-shenzhen":           "dts.cn-shenzhen.aliyuncs.com",
	"cn-hongkong":           "dts.cn-hongkong.aliyuncs.com",
	"ap-northeast-1":        "dts.ap-northeast-1.aliyuncs.com",
	"ap-southeast-1":        "dts.ap-southeast-1.aliyuncs.com",
	"ap-southeast-3":        "dts.ap-southeast-3.aliyuncs.com",
	"ap-southeast-5":        "dts.ap-southeast-5.aliyuncs.com",
	"us-east-1":             "dts.us-east-1.aliyuncs.com",
	"us-west-1":             "dts.us-west-1.aliyuncs.com",
	"eu-west-1":             "dts.eu-west-1.aliyuncs.com",
	"eu-central-1":          "dts.eu-central-1.aliyuncs.com",
	"me-east-1":             "dts.me-east-1.aliyuncs.com",
	"cn-hangzhou-finance":   "dts.cn-hangzhou.aliyuncs.com",
	"cn-shanghai-finance-1": "dts.cn-shanghai-finance-1.aliyuncs.com",
	"cn-shenzhen-finance-1": "dts.cn-shenzhen-finance-1.aliyuncs.com",
}

// RegionHost returns the DTS host of a region: its regional host when the
// documentation lists one, else dts.aliyuncs.com.
func RegionHost(regionID string) string {
	if h, ok := regionalHosts[regionID]; ok {
		return h
	}
	return centralHost
}

// target is the destination of requests: a scheme ("http" or "https") and
// a host with an optional port.
type target struct {
	scheme string
	host   string
}

// parseEndpoint interprets Config.Endpoint. An empty value returns a zero
// target, meaning the regional host of each call's region over HTTPS.
func parseEndpoint(s string) (target, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return target{}, nil
	}
	if !strings.Contains(s, "://") {
		if err := checkHost(s); err != nil {
			return target{}, fmt.Errorf("endpoint %q: %w", s, err)
		}
		return target{scheme: "https", host: s}, nil
	}

	u, err := url.Parse(s)
	if err != nil {
		return target{}, fmt.Errorf("endpoint %q: %w", s, err)
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "http" && scheme != "https":
		return target{}, fmt.Errorf("endpoint %q: scheme must be http or https", s)
	case u.User != nil:
		return target{}, fmt.Errorf("endpoint %q: user information is not allowed", s)
	case u.Path != "" && u.Path != "/":
		return target{}, fmt.Errorf("endpoint %q: a path is not allowed because DTS serves only /", s)
	case u.RawQuery != "" || u.Fragment != "":
		return target{}, fmt.Errorf("endpoint %q: a query or fragment is not allowed", s)
	}
	if err := checkHost(u.Host); err != nil {
		return target{}, fmt.Errorf("endpoint %q: %w", s, err)
	}
	return target{scheme: scheme, host: u.Host}, nil
}

// checkHost accepts host or host:port with a numeric port.
func checkHost(hostport string) error {
	if hostport == "" {
		return fmt.Errorf("missing host")
	}
	if strings.ContainsAny(hostport, "/?#@ ") {
		return fmt.Errorf("invalid host %q", hostport)
	}
	host := hostport
	if strings.Contains(hostport, ":") {
		h, port, err := net.SplitHostPort(hostport)
		if err != nil {
			return fmt.Errorf("invalid host and port: %w", err)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("invalid port %q: must be a number from 1 to 65535", port)
		}
		host = h
	}
	if host == "" {
		return fmt.Errorf("missing host")
	}
	return nil
}
