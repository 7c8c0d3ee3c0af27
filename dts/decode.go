package dts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// flexString decodes a JSON string, number or boolean into its text. DTS
// sends Success, Port and Delay as strings in some APIs and as numbers or
// booleans in others. null, objects and arrays decode to "".
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		*f = ""
		return nil
	}
	switch b[0] {
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case 't', 'f':
		var v bool
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*f = flexString(strconv.FormatBool(v))
	case 'n', '{', '[':
		*f = ""
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*f = flexString(n.String())
	}
	return nil
}

// envelope holds the fields that every old-style DTS response carries.
type envelope struct {
	RequestID  flexString `json:"RequestId"`
	Success    flexString `json:"Success"`
	ErrCode    flexString `json:"ErrCode"`
	ErrMessage flexString `json:"ErrMessage"`
}

// failure returns the *APIError of an HTTP 2xx response whose Success is
// false, or nil. A response without Success but with an ErrCode is a
// failure too.
func (e envelope) failure(action string, status int) *APIError {
	success := strings.ToLower(strings.TrimSpace(string(e.Success)))
	if success == "true" || (success == "" && e.ErrCode == "") {
		return nil
	}
	code := string(e.ErrCode)
	msg := cleanMessage(string(e.ErrMessage))
	if code == "" && msg == "" {
		msg = "the response has Success " + strconv.Quote(string(e.Success)) + " and no error code"
	}
	return &APIError{Action: action, HTTPStatus: status, Code: code, Message: msg, RequestID: string(e.RequestID)}
}

type endpointJSON struct {
	InstanceType flexString `json:"InstanceType"`
	InstanceID   flexString `json:"InstanceId"`
	IP           flexString `json:"IP"`
	Port         flexString `json:"Port"`
	EngineName   flexString `json:"EngineName"`
	UserName     flexString `json:"UserName"`
}

func (e endpointJSON) endpoint() Endpoint {
	return Endpoint{
		InstanceType: string(e.InstanceType),
		InstanceID:   string(e.InstanceID),
		IP:           string(e.IP),
		Port:         string(e.Port),
		EngineName:   string(e.EngineName),
		UserName:     string(e.UserName),
	}
}

type jobStatusJSON struct {
	envelope
	JobID        flexString   `json:"SynchronizationJobId"`
	Name         flexString   `json:"SynchronizationJobName"`
	Direction    flexString   `json:"SynchronizationDirection"`
	Status       flexString   `json:"Status"`
	Source       endpointJSON `json:"SourceEndpoint"`
	Destination  endpointJSON `json:"DestinationEndpoint"`
	ErrorMessage flexString   `json:"ErrorMessage"`
}

type switchJSON struct {
	envelope
	TaskID flexString `json:"TaskId"`
}

type switchStatusJSON struct {
	envelope
	TaskID       flexString `json:"TaskId"`
	Status       flexString `json:"Status"`
	ErrorMessage flexString `json:"ErrorMessage"`
}

// decodeBody decodes a 2xx body into v, which embeds an envelope, and
// returns an *APIError when the body reports a failure.
func decodeBody(action string, status int, body []byte, v interface{ env() envelope }) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("dts %s: decode response (http %d, %d bytes): %w", action, status, len(body), err)
	}
	if ae := v.env().failure(action, status); ae != nil {
		return ae
	}
	return nil
}

func (e *envelope) env() envelope { return *e }
