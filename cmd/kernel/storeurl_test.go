package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// Every verb that opens a store, on every way opening it can fail, prints
// the store URL without its password.
func TestStoreURLPasswordNeverPrinted(t *testing.T) {
	urls := []string{
		"postgres://postgres:s3cret@127.0.0.1:1/test?sslmode=disable",           // no server
		"postgres://postgres:s3cret@127.0.0.1:notaport/test",                    // unparsable
		"postgres://postgres:s3cret@127.0.0.1:1/test?search_path=a,b",           // bad parameter
		"postgresql://postgres:s3%63ret@127.0.0.1:1/test?sslmode=disable",       // escaped
		"postgres://postgres:s3cret@127.0.0.1:1/test?synchronous_commit=sooner", // bad parameter
		"mysql://root:s3cret@127.0.0.1/db",                                      // unknown scheme
		"root:s3cret@127.0.0.1/db",                                              // no scheme
	}
	sock := filepath.Join(t.TempDir(), "k.sock")
	for _, u := range urls {
		for _, args := range [][]string{
			{"migrate", "--db", u},
			{"run", "--db", u, clusterPath("hello.json")},
			{"serve", "--db", u, "--socket", sock},
		} {
			code, out, errOut := runInProcess(t, args...)
			if low := strings.ToLower(errOut); code != 1 || !strings.Contains(low, "store") && !strings.Contains(low, "postgresql") {
				t.Errorf("kernel %s: exit %d, stderr %q; want exit 1 and an error about the store", strings.Join(args, " "), code, errOut)
			}
			if strings.Contains(out+errOut, "s3cret") || strings.Contains(out+errOut, "s3%63ret") {
				t.Errorf("kernel %s printed the password:\n%s%s", strings.Join(args, " "), out, errOut)
			}
		}
		t.Setenv("OCAP_DB", u)
		code, out, errOut := runInProcess(t, "migrate")
		if code != 1 || strings.Contains(out+errOut, "s3cret") {
			t.Errorf("OCAP_DB=%s kernel migrate: exit %d, printed %s%s", u, code, out, errOut)
		}
	}
}
