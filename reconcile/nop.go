package reconcile

import (
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/notify"
	"dts-reconciler/probe"
)

// nopObserver is the observer used when none is given.
type nopObserver struct{}

func (nopObserver) NodeProbed(probe.Status)                              {}
func (nopObserver) ClusterDecided(probe.Verdict)                         {}
func (nopObserver) JobChecked(string, dts.Direction, bool)               {}
func (nopObserver) SwitchEnded(string, dts.Direction, string, time.Time) {}
func (nopObserver) TickEnded(time.Duration, bool, time.Time)             {}

// nopNotifier is the notifier used when none is given.
type nopNotifier struct{}

func (nopNotifier) Post(notify.Event)              {}
func (nopNotifier) Condition(string, notify.Event) {}
func (nopNotifier) Clear(notify.Event)             {}
