// Command dts-reconciler keeps Alibaba Cloud DTS synchronization jobs
// pointed at the current primary of self-managed MySQL clusters.
//
// Run "dts-reconciler help" for the commands and their flags.
package main

import (
	"context"
	"os"

	"dts-reconciler/internal/app"
)

func main() {
	os.Exit(app.Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}
