package main

import (
	"bytes"
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/store/storetest"
)

// Flags after --call METHOD are the kernel's, not the vat's: JSON-ARGs
// are the positional arguments after cluster.json.
func TestRunCallDoesNotSwallowFlags(t *testing.T) {
	db := storetest.SQLiteURL(t)
	code, out, errOut := runInProcess(t, "run", "--db", db, clusterPath("hello.json"), "--call", "hello", "world", "--log-level", "info")
	if code != 0 || out != "\"hello world, from Bob\"\n" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	if !strings.Contains(errOut, "[INFO]") {
		t.Fatalf("--log-level info after --call was not the kernel's: stderr %s", errOut)
	}
	// -- ends the flags: what follows is an argument, dash or not.
	code, out, errOut = runInProcess(t, "run", "--db", db, clusterPath("hello.json"), "--call", "hello", "--", "--log-level")
	if code != 0 || out != "\"hello --log-level, from Bob\"\n" {
		t.Fatalf("after --: exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	code, _, errOut = runInProcess(t, "run", "--db", db, clusterPath("hello.json"), "world")
	if code != 2 || !strings.Contains(errOut, "JSON-ARGs go with --call METHOD") {
		t.Fatalf("JSON-ARGs without --call: exit %d, stderr %s", code, errOut)
	}
}

func TestVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"version"}, &stdout, &stderr); code != 0 || stderr.Len() != 0 {
		t.Fatalf("kernel version: exit %d, stderr %q", code, stderr.String())
	}
	var v version
	if err := json.Unmarshal(stdout.Bytes(), &v); err != nil || v.Go != runtime.Version() || v.Version == "" {
		t.Fatalf("kernel version printed %q (%v)", stdout.String(), err)
	}
	stdout.Reset()
	if code := run([]string{"--version"}, &stdout, &stderr); code != 0 ||
		!strings.HasPrefix(stdout.String(), "kernel "+v.Version+" (commit ") || !strings.HasSuffix(stdout.String(), runtime.Version()+")\n") {
		t.Fatalf("kernel --version: exit %d, %q", code, stdout.String())
	}
}

// Every verb's --help lists each of its flags with its default, and the
// environment variable of --db and --socket.
func TestVerbHelpListsFlags(t *testing.T) {
	for name := range verbs {
		var stdout, stderr bytes.Buffer
		if code := run([]string{name, "--help"}, &stdout, &stderr); code != 0 || stderr.Len() != 0 {
			t.Fatalf("kernel %s --help: exit %d, stderr %q", name, code, stderr.String())
		}
		help := stdout.String()
		c, _, err := newRoot(streams{&stdout, &stderr}).Find([]string{name})
		if err != nil {
			t.Fatal(err)
		}
		for _, flag := range []string{"db", "socket", "delivery-timeout", "timeout", "log-level", "output", "spare-workers"} {
			f := c.Flags().Lookup(flag)
			if f == nil {
				continue
			}
			if !strings.Contains(help, "--"+flag+" ") || f.DefValue != "" && !strings.Contains(help, "(default "+f.DefValue) && !strings.Contains(help, `(default "`+f.DefValue+`")`) {
				t.Errorf("kernel %s --help does not show --%s and its default %q:\n%s", name, flag, f.DefValue, help)
			}
		}
		for flag, env := range map[string]string{"db": "OCAP_DB", "socket": "OCAP_SOCKET"} {
			if c.Flags().Lookup(flag) != nil && !strings.Contains(help, env) {
				t.Errorf("kernel %s --help does not name %s for --%s", name, env, flag)
			}
		}
	}
}

func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		var stdout, stderr bytes.Buffer
		if code := run([]string{"completion", shell}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "kernel") {
			t.Errorf("kernel completion %s: exit %d, stderr %q", shell, code, stderr.String())
		}
	}
}

// kernel run shows what its vats print by default, and the kernel's own
// lines only from warn; --log-level sets one level for both.
func TestRunShowsVatConsole(t *testing.T) {
	db := storetest.SQLiteURL(t)
	code, out, errOut := runInProcess(t, "run", "--db", db, clusterPath("chatty.json"), "--call", "say", "hi")
	if code != 0 || out != "\"hi\"\n" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	if !strings.Contains(errOut, "chatty says hi") || !strings.Contains(errOut, "chatty is up") {
		t.Errorf("the vat's console lines are not on stderr:\n%s", errOut)
	}
	for _, line := range strings.Split(strings.TrimSpace(errOut), "\n") {
		if strings.Contains(line, "[INFO]") && !strings.Contains(line, "vatName=chatty") {
			t.Errorf("a kernel line below warn is shown: %s", line)
		}
	}
	code, _, errOut = runInProcess(t, "run", "--db", db, "--log-level", "warn", clusterPath("chatty.json"), "--call", "say", "hi")
	if code != 0 || strings.Contains(errOut, "chatty says hi") {
		t.Errorf("--log-level warn: exit %d, stderr shows info lines:\n%s", code, errOut)
	}
}
