package mysql8test

import (
	"strings"

	gmssql "github.com/dolthub/go-mysql-server/sql"
)

// coupledVariables wraps go-mysql-server's registry of global system
// variables so that SET GLOBAL couples read_only and super_read_only as
// MySQL does since 5.7.8 (worklog WL#6799). Turning super_read_only ON also
// turns read_only ON, and turning read_only OFF also turns super_read_only
// OFF. go-mysql-server v0.20.0 stores the two independently.
type coupledVariables struct {
	gmssql.SystemVariableRegistry
}

// SetGlobal sets one global variable, then the other variable of the pair
// when MySQL would change it too.
func (v coupledVariables) SetGlobal(ctx *gmssql.Context, name string, value any) error {
	if err := v.SystemVariableRegistry.SetGlobal(ctx, name, value); err != nil {
		return err
	}

	switch strings.ToLower(name) {
	case "super_read_only":
		if v.isOn("super_read_only") {
			return v.SystemVariableRegistry.SetGlobal(ctx, "read_only", int8(1))
		}
	case "read_only":
		if !v.isOn("read_only") {
			return v.SystemVariableRegistry.SetGlobal(ctx, "super_read_only", int8(0))
		}
	}
	return nil
}

// isOn reports whether a boolean global variable is ON. The registry
// converts every assigned value to int8 for these variables.
func (v coupledVariables) isOn(name string) bool {
	_, value, ok := v.GetGlobal(name)
	if !ok {
		return false
	}
	on, _ := value.(int8)
	return on != 0
}
