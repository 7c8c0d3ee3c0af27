package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// shutdownTimeout bounds how long Serve waits for requests in flight when
// its context ends, before it closes their connections.
const shutdownTimeout = 5 * time.Second

// Serve listens on addr and serves h until ctx is done, then shuts down
// gracefully within a few seconds. It returns an error at once when it
// cannot listen, so the caller can log it and carry on reconciling, and nil
// after a shutdown. A nil logger means slog.Default().
func Serve(ctx context.Context, addr string, h http.Handler, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics server: %w", err)
	}
	return ServeListener(ctx, ln, h, logger)
}

// ServeListener is [Serve] on a listener the caller opened, such as one on
// 127.0.0.1:0 whose address the caller needs to know. It closes ln.
func ServeListener(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.Default()
	}
	logger = logger.With("component", "metrics")

	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("metrics server listening", "address", ln.Addr().String())

	select {
	case err := <-served:
		return fmt.Errorf("metrics server: %w", err)
	case <-ctx.Done():
	}

	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Warn("metrics server shutdown timed out, closing connections", "err", err)
		srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics server: %w", err)
	}
	logger.Info("metrics server stopped")
	return nil
}
