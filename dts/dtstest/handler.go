package dtstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// response is the HTTP response to one call.
type response struct {
	status int
	// body is the JSON document; nil with html set means a non-JSON body.
	body   map[string]any
	html   string
	code   string
	taskID string
}

// ok returns a successful response with the fields of body.
func ok(body map[string]any) response {
	body["Success"] = "true"
	return response{status: http.StatusOK, body: body}
}

// gatewayError is the response of the first error channel: a non-2xx status
// with Code and Message.
func gatewayError(status int, code, msg string) response {
	return response{status: status, code: code, body: map[string]any{
		"Code": code, "Message": msg, "HostId": "dts.aliyuncs.com",
	}}
}

// businessError is the response of the second error channel: HTTP 200 with
// Success "false" and ErrCode and ErrMessage.
func businessError(code, msg string) response {
	return response{status: http.StatusOK, code: code, body: map[string]any{
		"Success": "false", "ErrCode": code, "ErrMessage": msg,
	}}
}

func missing(name string) response {
	return gatewayError(http.StatusBadRequest, "MissingParameter", fmt.Sprintf("%s is mandatory for this action.", name))
}

func invalid(name, value, why string) response {
	return gatewayError(http.StatusBadRequest, "InvalidParameter", fmt.Sprintf("The parameter %s %q is invalid: %s.", name, value, why))
}

// ServeHTTP handles one RPC call: it reads the parameters of the query
// string and form body, verifies the request, applies an injected fault,
// runs the action, records the call and writes the response.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	call := Call{Method: r.Method, At: time.Now()}
	params, method, bad := readParams(r)
	call.Params = withoutSignature(params)
	call.Action = params["Action"]

	var ans response
	var f *Fault
	switch {
	case bad != nil:
		ans = *bad
	case method != "":
		ans = gatewayError(http.StatusMethodNotAllowed, "UnsupportedHTTPMethod", fmt.Sprintf("The HTTP method %s is not supported.", method))
	default:
		ans = s.authenticate(r.Method, params, call.At)
	}
	if ans.status == 0 {
		f = s.takeFault(call.Action)
		switch {
		case f == nil || f.passThrough():
			ans = s.dispatch(call.Action, params)
		default:
			ans = f.response()
		}
	}

	call.HTTPStatus, call.Code, call.TaskID = ans.status, ans.code, ans.taskID
	if f != nil && f.Hang {
		call.HTTPStatus, call.Code = 0, ""
	}
	s.record(call)

	if f != nil && !s.hold(r, f) {
		return
	}
	s.write(w, ans)
}

// readParams merges the query string and the form body. A non-empty
// method is a method that RPC calls do not use; a non-nil response rejects a
// malformed request.
func readParams(r *http.Request) (map[string]string, string, *response) {
	params := map[string]string{}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return params, r.Method, nil
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		a := gatewayError(http.StatusBadRequest, "InvalidParameter", "The query string is malformed.")
		return params, "", &a
	}
	form, err := readForm(r)
	if err == nil {
		var body url.Values
		body, err = url.ParseQuery(form)
		for k, v := range body {
			query[k] = append(query[k], v...)
		}
	}
	if err != nil {
		a := gatewayError(http.StatusBadRequest, "InvalidParameter", "The form body is malformed.")
		return params, "", &a
	}
	for k, v := range query {
		if len(v) != 1 {
			a := gatewayError(http.StatusBadRequest, "InvalidParameter", fmt.Sprintf("The parameter %s is given %d times.", k, len(v)))
			return params, "", &a
		}
		params[k] = v[0]
	}
	return params, "", nil
}

func withoutSignature(p map[string]string) map[string]string {
	out := cloneParams(p)
	delete(out, "Signature")
	return out
}

// hold waits for a Delay or Hang fault. It returns false when the
// response must not be written because the client went away, or the server
// closes during a Hang.
func (s *Server) hold(r *http.Request, f *Fault) bool {
	var timeout <-chan time.Time
	if !f.Hang {
		if f.Delay <= 0 {
			return true
		}
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-timeout:
		return true
	case <-s.closing:
		return !f.Hang
	case <-r.Context().Done():
		return false
	}
}

// write sends the response with a fresh request id.
func (s *Server) write(w http.ResponseWriter, a response) {
	requestID := newRequestID()
	w.Header().Set("x-acs-request-id", requestID)
	if a.body == nil {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.html))
		return
	}
	a.body["RequestId"] = requestID
	b, err := json.Marshal(a.body)
	if err != nil {
		http.Error(w, "encode response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(a.status)
	_, _ = w.Write(b)
}

// dispatch runs an authenticated call.
func (s *Server) dispatch(action string, params map[string]string) response {
	switch action {
	case "DescribeSynchronizationJobStatus":
		return s.describeJob(params)
	case "SwitchSynchronizationEndpoint":
		return s.switchEndpoint(params)
	case "DescribeEndpointSwitchStatus":
		return s.switchStatus(params)
	}
	return gatewayError(http.StatusNotFound, "InvalidAction.NotFound",
		fmt.Sprintf("Specified api %q is not found, please check your url and method.", action))
}
