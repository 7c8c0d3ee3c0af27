package main

import "context"

func shellFigure(ctx context.Context, e *env, runs int) ([]table, error)   { return nil, nil }
