package dtstest

import (
	"fmt"
	"net/http"
	"time"
)

// Fault changes the responses to the next Count calls of Action. Kinds, by
// the fields set:
//
//   - Code (with HTTPStatus, default 400): an error response with Code and
//     Message, such as Throttling.User at 400, ServiceUnavailable at 503 or
//     InternalError at 500.
//   - SuccessFalse: HTTP 200 with Success "false", ErrCode Code (default
//     InternalError) and ErrMessage Message.
//   - HTTPStatus without Code: a non-JSON HTML body with that status, as
//     a proxy in front of DTS would send.
//   - Hang: no response until the client gives up or the server closes.
//   - Delay alone: the call runs normally and its response is sent after
//     Delay. With one of the kinds above, that response is sent after Delay.
//
// A faulted switch call creates no task, except with Delay alone: the
// switch then happens although the client may time out first.
type Fault struct {
	// Action is the action to fault; "" matches every action.
	Action string
	// Count is the number of calls to fault; 0 means 1.
	Count        int
	HTTPStatus   int
	Code         string
	Message      string
	SuccessFalse bool
	Delay        time.Duration
	Hang         bool
}

type pendingFault struct {
	Fault
	left int
}

// Inject adds a fault. Faults apply in the order they were injected: a
// call takes the first one that matches its action and has calls left.
// Faults apply to authenticated calls only.
func (s *Server) Inject(f Fault) {
	if f.Count <= 0 {
		f.Count = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &pendingFault{Fault: f, left: f.Count})
}

// takeFault returns the fault for a call of action and counts it used.
func (s *Server) takeFault(action string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, pf := range s.faults {
		if pf.Action != "" && pf.Action != action {
			continue
		}
		pf.left--
		if pf.left <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		f := pf.Fault
		return &f
	}
	return nil
}

// passThrough reports whether the call runs normally: no response kind is
// set, only perhaps a Delay.
func (f *Fault) passThrough() bool {
	return !f.Hang && !f.SuccessFalse && f.Code == "" && f.HTTPStatus == 0
}

// response returns the response that the fault makes.
func (f *Fault) response() response {
	msg := f.Message
	switch {
	case f.Hang:
		return response{status: http.StatusGatewayTimeout, html: "hang"}
	case f.SuccessFalse:
		code := f.Code
		if code == "" {
			code = "InternalError"
		}
		if msg == "" {
			msg = "The request processing has failed due to an injected fault."
		}
		a := businessError(code, msg)
		if f.HTTPStatus != 0 {
			a.status = f.HTTPStatus
		}
		return a
	case f.Code != "":
		status := f.HTTPStatus
		if status == 0 {
			status = http.StatusBadRequest
		}
		if msg == "" {
			msg = "Injected fault " + f.Code + "."
		}
		return gatewayError(status, f.Code, msg)
	}
	text := http.StatusText(f.HTTPStatus)
	return response{status: f.HTTPStatus, html: fmt.Sprintf("<html><head><title>%d %s</title></head><body><h1>%d %s</h1></body></html>\n",
		f.HTTPStatus, text, f.HTTPStatus, text)}
}
