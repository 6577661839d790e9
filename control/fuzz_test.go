package control

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzDecodeRequest: any request body either decodes into a request that
// passes its check or is a BAD_REQUEST error, never a panic or another
// code. Seeds: testdata/fuzz/FuzzDecodeRequest.
func FuzzDecodeRequest(f *testing.F) {
	f.Add(uint8(0), `{"path":"/etc/cluster.json"}`)
	f.Add(uint8(1), `{"kref":"ko1","method":"hello","args":["x",{"@kref":"ko2"}],"timeoutMs":5}`)
	f.Fuzz(func(t *testing.T, kind uint8, body string) {
		reqs := []checkedRequest{&LaunchRequest{}, &SendRequest{}, &TerminateRequest{}, &PingVatRequest{}, &RevokeRequest{}, &RestartVatRequest{}}
		req := reqs[int(kind)%len(reqs)]
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		err := decodeBody(httptest.NewRecorder(), r, req)
		if err == nil {
			err = req.check()
		}
		if err == nil {
			return
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeBadRequest {
			t.Fatalf("body %q: error %v is not a BAD_REQUEST", body, err)
		}
	})
}
