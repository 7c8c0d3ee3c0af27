package probe

import (
	"database/sql"
	"testing"
)

func TestApplyExtra(t *testing.T) {
	com := common{hostname: "db1", port: 3307}
	tests := []struct {
		name       string
		traits     serverTraits
		vals       []sql.NullString
		identity   string
		source     string
		hasSuperRO bool
		superRO    bool
	}{
		{
			name:       "mysql_8",
			traits:     serverTraits{flavor: "mysql", hasSuperReadOnly: true},
			vals:       []sql.NullString{nullString("1"), nullString("3e11fa47-71ca-11e1-9e33-c80aa9429562")},
			identity:   "3e11fa47-71ca-11e1-9e33-c80aa9429562",
			source:     IdentityServerUUID,
			hasSuperRO: true,
			superRO:    true,
		},
		{
			name:     "mysql_without_super_read_only",
			traits:   serverTraits{flavor: "mysql"},
			vals:     []sql.NullString{nullString("3e11fa47-71ca-11e1-9e33-c80aa9429562")},
			identity: "3e11fa47-71ca-11e1-9e33-c80aa9429562",
			source:   IdentityServerUUID,
		},
		{
			name:     "mariadb_server_uid",
			traits:   serverTraits{flavor: "mariadb", hasServerUID: true},
			vals:     []sql.NullString{nullString("PQy7yGBKh9tqyjbrXqt9y1EBq5w=")},
			identity: "PQy7yGBKh9tqyjbrXqt9y1EBq5w=",
			source:   IdentityServerUID,
		},
		{
			name:     "mariadb_without_server_uid",
			traits:   serverTraits{flavor: "mariadb"},
			identity: "7@db1:3307",
			source:   IdentityServerID,
		},
		{
			name:     "empty_server_uid_falls_back",
			traits:   serverTraits{flavor: "mariadb", hasServerUID: true},
			vals:     []sql.NullString{{}},
			identity: "7@db1:3307",
			source:   IdentityServerID,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := Status{ServerID: 7}
			if err := applyExtra(&st, tt.traits, com, tt.vals); err != nil {
				t.Fatalf("applyExtra() error = %v", err)
			}
			if st.Identity != tt.identity || st.IdentitySource != tt.source {
				t.Errorf("identity = %q from %q, want %q from %q", st.Identity, st.IdentitySource, tt.identity, tt.source)
			}
			if st.HasSuperReadOnly != tt.hasSuperRO || st.SuperReadOnly != tt.superRO {
				t.Errorf("super_read_only = (has %v, on %v), want (has %v, on %v)",
					st.HasSuperReadOnly, st.SuperReadOnly, tt.hasSuperRO, tt.superRO)
			}
		})
	}
}

func TestExtraVariables(t *testing.T) {
	tests := []struct {
		name   string
		traits serverTraits
		want   int
	}{
		{name: "mysql_8", traits: serverTraits{flavor: "mysql", hasSuperReadOnly: true}, want: 2},
		{name: "mysql_5_6", traits: serverTraits{flavor: "mysql"}, want: 1},
		{name: "mariadb_10_3", traits: serverTraits{flavor: "mariadb", hasServerUID: true}, want: 1},
		{name: "mariadb_10_2", traits: serverTraits{flavor: "mariadb"}, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := len(tt.traits.extraVariables()); got != tt.want {
				t.Errorf("len(extraVariables()) = %d, want %d", got, tt.want)
			}
		})
	}
}
