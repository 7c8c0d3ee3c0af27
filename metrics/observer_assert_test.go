package metrics_test

import (
	"dts-reconciler/metrics"
	"dts-reconciler/reconcile"
)

// Metrics implements the engine's Observer. The check lives in a test so
// that the metrics package itself does not depend on the engine.
var _ reconcile.Observer = (*metrics.Metrics)(nil)
