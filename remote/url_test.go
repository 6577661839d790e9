package remote

import (
	"slices"
	"strings"
	"testing"
)

func TestURLRoundTrip(t *testing.T) {
	t.Parallel()
	peer := "12D3KooWP7CwQswqLKZbwvYd9wrEynnL9F2aKVP1X9huNASBTuqj"
	hints := []string{
		"/ip4/127.0.0.1/tcp/4001/p2p/" + peer,
		"/dns4/relay.example/tcp/443/wss/p2p/12D3KooWJBDqsyHQF2MWiCdU4kdqx4zTsSTLRdShg7Ui6CRWB4uc",
	}
	for _, h := range [][]string{hints, nil} {
		s := FormatURL("3xRk9", peer, h)
		token, gotPeer, gotHints, err := ParseURL(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if token != "3xRk9" || gotPeer != peer || !slices.Equal(gotHints, h) {
			t.Errorf("%s parsed as %q %q %q", s, token, gotPeer, gotHints)
		}
	}
	if s := FormatURL("tok", peer, hints[:1]); s != "ocap:tok@"+peer+","+hints[0] {
		t.Errorf("URL is %s", s)
	}
	// Empty hints are skipped, as the JavaScript kernel does.
	_, _, got, err := ParseURL("ocap:tok@" + peer + ",," + hints[0] + ",")
	if err != nil || !slices.Equal(got, hints[:1]) {
		t.Errorf("hints %q, error %v", got, err)
	}
}

func TestParseURLRefusesMalformed(t *testing.T) {
	t.Parallel()
	peer := "12D3KooWP7CwQswqLKZbwvYd9wrEynnL9F2aKVP1X9huNASBTuqj"
	for _, tc := range []struct{ url, want string }{
		{"http://tok@" + peer, `does not start with "ocap:"`},
		{"", `does not start with "ocap:"`},
		{"ocap:tok" + peer, "no '@'"},
		{"ocap:a@b@" + peer, "more than one '@'"},
		{"ocap:@" + peer, "empty token"},
		{"ocap:tok@", "no peer ID"},
		{"ocap:tok@,/ip4/1.2.3.4/tcp/1", "no peer ID"},
		{"ocap:tok@notapeer", `bad peer ID "notapeer"`},
		{"ocap:tok@" + peer + ",/ip4/999.1.1.1/tcp/1", `hint "/ip4/999.1.1.1/tcp/1" is not a multiaddr`},
	} {
		_, _, _, err := ParseURL(tc.url)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q gave %v, want an error saying %s", tc.url, err, tc.want)
		}
	}
}
