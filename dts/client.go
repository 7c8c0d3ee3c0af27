package dts

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
)

// Defaults of the Config fields left at zero.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxAttempts = 4
	DefaultBaseBackoff = 200 * time.Millisecond
	DefaultMaxBackoff  = 5 * time.Second
)

// API coordinates of every call.
const (
	apiProduct = "Dts"
	apiVersion = "2020-01-01"
)

var validRegion = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

// Config configures a Client.
type Config struct {
	// RegionID is the region of calls that name none, e.g. cn-hangzhou.
	// Required.
	RegionID string
	// Endpoint overrides the DTS host. Empty means the regional host of
	// each call's region (see RegionHost) over HTTPS. A bare host or
	// host:port is used over HTTPS; "http://host:port" or
	// "https://host:port" selects the scheme too, e.g.
	// "http://127.0.0.1:8080" for a local emulator.
	Endpoint string
	// AccessKeyID and AccessKeySecret are a static AccessKey. When
	// AccessKeyID is empty the SDK's default credential chain is used:
	// environment variables, OIDC, the aliyun CLI profile, the credentials
	// file, then the ECS RAM role, which calls the ECS metadata service at
	// 100.100.100.200. Set ALIBABA_CLOUD_ECS_METADATA_DISABLED=true to turn
	// that last step off.
	AccessKeyID     string
	AccessKeySecret string
	// Timeout bounds each HTTP request, connection included. Zero means
	// DefaultTimeout.
	Timeout time.Duration
	// MaxAttempts is the number of attempts of a retryable call, the first
	// one included. Zero means DefaultMaxAttempts.
	MaxAttempts int
	// BaseBackoff and MaxBackoff bound the wait before a retry: a random
	// duration up to BaseBackoff doubled per retry, capped at MaxBackoff.
	// Zero means DefaultBaseBackoff and DefaultMaxBackoff.
	BaseBackoff, MaxBackoff time.Duration
	// Logger receives retries at warn and each call at debug. Nil discards.
	// The client adds no component attribute, so the caller may.
	Logger *slog.Logger
	// Observe, when set, is called after every HTTP attempt with the
	// action, the error code and the duration. The code is "" on success,
	// or the Code or ErrCode that DTS returned. Other codes are
	// "http_<status>" for an error response without a code, "transport"
	// when no HTTP response came, "decode" for an unreadable response, and
	// "sdk" when the SDK failed before sending (credentials). Observe may
	// run after the call that made the attempt has returned, and must be
	// safe for concurrent use.
	Observe func(action, code string, d time.Duration)
}

// Client calls DTS. It is safe for concurrent use, but sends one request at
// a time: the SDK client it wraps rewrites shared HTTP settings on every
// call, so calls are serialized.
type Client struct {
	cfg      Config
	target   target // zero: regional host per call, over HTTPS
	log      *slog.Logger
	sdk      *sdk.Client
	sem      chan struct{} // one token: the right to use sdk
	jitterFn func(limit time.Duration) time.Duration
}

// New returns a Client for cfg. It makes no network call.
func New(cfg Config) (*Client, error) {
	if cfg.RegionID == "" {
		return nil, fmt.Errorf("dts client: missing region id")
	}
	if !validRegion.MatchString(cfg.RegionID) {
		return nil, fmt.Errorf("dts client: invalid region id %q", cfg.RegionID)
	}
	if (cfg.AccessKeyID == "") != (cfg.AccessKeySecret == "") {
		return nil, fmt.Errorf("dts client: set both the AccessKey ID and secret, or neither for the default credential chain")
	}
	tgt, err := parseEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("dts client: %w", err)
	}
	applyDefaults(&cfg)

	// A nil credential makes the SDK build its default chain; it does not
	// fetch anything before the first call.
	var cred auth.Credential
	if cfg.AccessKeyID != "" {
		cred = credentials.NewStaticAKCredentialsProvider(cfg.AccessKeyID, cfg.AccessKeySecret)
	}
	sdkCfg := sdk.NewConfig()
	sdkCfg.AutoRetry = false
	sdkCfg.Scheme = "HTTPS"
	sdkCfg.Timeout = cfg.Timeout
	sdkCfg.HttpTransport = newTransport(cfg.Timeout)
	sc, err := sdk.NewClientWithOptions(cfg.RegionID, sdkCfg, cred)
	if err != nil {
		return nil, fmt.Errorf("dts client: %s", redact(err.Error()))
	}

	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c := &Client{
		cfg:      cfg,
		target:   tgt,
		log:      logger,
		sdk:      sc,
		sem:      make(chan struct{}, 1),
		jitterFn: randomDuration,
	}
	return c, nil
}

func applyDefaults(cfg *Config) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.BaseBackoff <= 0 {
		cfg.BaseBackoff = DefaultBaseBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.MaxBackoff < cfg.BaseBackoff {
		cfg.MaxBackoff = cfg.BaseBackoff
	}
}

// newTransport returns the HTTP transport of the SDK client. The SDK
// replaces DialContext on every call with one bounded by the connect
// timeout, and sets Proxy from HTTPS_PROXY/HTTP_PROXY unless NO_PROXY
// matches the host. Idle connections are kept for 15 s only. net/http does
// not resend a POST on a kept-alive connection that the server closed
// meanwhile, and such a failure makes a switch's outcome unknown, so a
// short idle period makes it less likely.
func newTransport(timeout time.Duration) *http.Transport {
	return &http.Transport{
		DialContext:           (&net.Dialer{Timeout: timeout}).DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          4,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       15 * time.Second,
	}
}

// regionOf returns the region of a call: regionID, or Config.RegionID when
// it is empty.
func (c *Client) regionOf(regionID string) (string, error) {
	if regionID == "" {
		return c.cfg.RegionID, nil
	}
	if !validRegion.MatchString(regionID) {
		return "", fmt.Errorf("invalid region id %q", regionID)
	}
	return regionID, nil
}

// targetOf returns where a call for the region goes.
func (c *Client) targetOf(regionID string) target {
	if c.target.host != "" {
		return c.target
	}
	return target{scheme: "https", host: RegionHost(regionID)}
}
