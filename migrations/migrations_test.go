package migrations

import (
	"io/fs"
	"strings"
	"testing"
)

var drivers = []string{"sqlite", "postgres"}

// TestFilesAreMigrations guards against a file that For would silently skip.
func TestFilesAreMigrations(t *testing.T) {
	for _, d := range drivers {
		entries, err := fs.ReadDir(files, d)
		if err != nil {
			t.Fatalf("read embedded %s migrations: %v", d, err)
		}
		for _, e := range entries {
			if _, ok := version(e.Name()); !ok {
				t.Errorf("%s/%s is not named NNN_name.up.sql", d, e.Name())
			}
		}
	}
}

func TestVersionsCountFromOneWithoutGaps(t *testing.T) {
	for _, d := range drivers {
		all := For(d)
		if len(all) == 0 {
			t.Fatalf("no migrations for %s", d)
		}
		for i, m := range all {
			if m.Version != i+1 {
				t.Errorf("%s: migration %d is %s (version %d), want version %d", d, i, m.Name, m.Version, i+1)
			}
			if strings.TrimSpace(m.SQL) == "" {
				t.Errorf("%s: %s is empty", d, m.Name)
			}
		}
		if got := Latest(d); got != len(all) {
			t.Errorf("Latest(%q) = %d, want %d", d, got, len(all))
		}
	}
}

// TestDriversAgree keeps the drivers on the same schema history, so a
// version number means the same thing whichever database holds the store.
func TestDriversAgree(t *testing.T) {
	if a, b := Latest("sqlite"), Latest("postgres"); a != b {
		t.Errorf("Latest: sqlite %d, postgres %d", a, b)
	}
	sq, pg := For("sqlite"), For("postgres")
	for i := range min(len(sq), len(pg)) {
		if sq[i].Name != pg[i].Name {
			t.Errorf("migration %d: sqlite %s, postgres %s", i+1, sq[i].Name, pg[i].Name)
		}
	}
}

func TestUnknownDriver(t *testing.T) {
	if got := For("mysql"); got != nil {
		t.Errorf("For(mysql) = %v, want nil", got)
	}
	if got := Latest("mysql"); got != 0 {
		t.Errorf("Latest(mysql) = %d, want 0", got)
	}
}

func TestVersionParsing(t *testing.T) {
	for name, want := range map[string]int{
		"001_kv.up.sql":     1,
		"012_gc.up.sql":     12,
		"001_kv.down.sql":   0,
		"1_kv.up.sql":       0,
		"001.up.sql":        0,
		"001_.up.sql":       0,
		"000_zero.up.sql":   0,
		"abc_kv.up.sql":     0,
		"001_kv.up.sql.bak": 0,
	} {
		got, ok := version(name)
		if ok != (want > 0) || got != want {
			t.Errorf("version(%q) = %d, %v; want %d", name, got, ok, want)
		}
	}
}
