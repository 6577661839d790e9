package control

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
)

// LogLine is one line of a vat's log: its console output, its logger's
// lines and the kernel's lines about it.
type LogLine struct {
	Time       time.Time         `json:"time"`
	Vat        string            `json:"vat"`
	Subcluster string            `json:"subcluster,omitempty"`
	Level      string            `json:"level"`
	Message    string            `json:"message"`
	Fields     map[string]string `json:"fields,omitempty"`
}

// Bounds of a VatLogs: the lines kept per vat, and the vats kept (the
// least recently heard of goes first). Memory stays bounded however many
// vats come and go.
const (
	logLinesPerVat = 1000
	logVats        = 256
	followBuffer   = 256 // lines a slow follower may lag before it misses some
)

// VatLogs keeps the recent log lines of each vat in memory, for `kernel
// logs`. It is an hclog sink: register it on the kernel's logger and it
// takes every line that names a vat. It never blocks the logger: a
// follower that does not keep up misses lines.
type VatLogs struct {
	level     hclog.Level // lines below it are not kept
	mu        sync.Mutex
	rings     map[string][]LogLine
	order     []string // vats, least recently heard of first
	followers map[chan LogLine]LogFilter
}

var _ hclog.SinkAdapter = (*VatLogs)(nil)

// NewVatLogs returns an empty VatLogs that keeps lines at level and
// above: a sink sees every line, even those below its logger's level.
func NewVatLogs(level hclog.Level) *VatLogs {
	return &VatLogs{level: level, rings: map[string][]LogLine{}, followers: map[chan LogLine]LogFilter{}}
}

// LogFilter picks lines: of one vat, or of one subcluster's vats, or all
// (both empty); at or after Since (zero: all).
type LogFilter struct {
	Vat, Subcluster string
	Since           time.Time
}

func (f LogFilter) match(l LogLine) bool {
	return (f.Vat == "" || l.Vat == f.Vat) && (f.Subcluster == "" || l.Subcluster == f.Subcluster) &&
		(f.Since.IsZero() || !l.Time.Before(f.Since))
}

// Accept takes one log line; lines that name no vat are not kept.
func (v *VatLogs) Accept(_ string, level hclog.Level, msg string, args ...any) {
	if level < v.level {
		return
	}
	line := LogLine{Time: time.Now().UTC(), Level: level.String(), Message: msg}
	for i := 0; i+1 < len(args); i += 2 {
		key, ok := args[i].(string)
		if !ok {
			continue
		}
		val := fmt.Sprint(args[i+1])
		switch key {
		case "vat":
			line.Vat = val
		case "subcluster":
			line.Subcluster = val
		case "timestamp", "vatName", "plugin", "id", "name":
		default:
			if line.Fields == nil {
				line.Fields = map[string]string{}
			}
			line.Fields[key] = val
		}
	}
	if line.Vat == "" {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.keep(line)
	for ch, f := range v.followers {
		if f.match(line) {
			select {
			case ch <- line:
			default:
			}
		}
	}
}

// keep adds line to its vat's ring. The caller holds mu.
func (v *VatLogs) keep(line LogLine) {
	ring, known := v.rings[line.Vat]
	if len(ring) == logLinesPerVat {
		ring = append(ring[:0:0], ring[1:]...)
	}
	v.rings[line.Vat] = append(ring, line)
	if known {
		for i, id := range v.order {
			if id == line.Vat {
				v.order = append(v.order[:i], v.order[i+1:]...)
				break
			}
		}
	}
	v.order = append(v.order, line.Vat)
	if len(v.order) > logVats {
		delete(v.rings, v.order[0])
		v.order = v.order[1:]
	}
}

// Lines returns the kept lines f picks, oldest first.
func (v *VatLogs) Lines(f LogFilter) []LogLine {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.linesLocked(f)
}

func (v *VatLogs) linesLocked(f LogFilter) []LogLine {
	var out []LogLine
	for _, ring := range v.rings {
		for _, l := range ring {
			if f.match(l) {
				out = append(out, l)
			}
		}
	}
	// Lines of several vats interleave by time.
	sortLines(out)
	return out
}

// Follow returns the kept lines f picks and a channel of the later ones,
// which closes when ctx ends.
func (v *VatLogs) Follow(ctx context.Context, f LogFilter) ([]LogLine, <-chan LogLine) {
	ch := make(chan LogLine, followBuffer)
	v.mu.Lock()
	past := v.linesLocked(f)
	v.followers[ch] = f
	v.mu.Unlock()
	out := make(chan LogLine)
	go func() {
		defer close(out)
		defer func() {
			v.mu.Lock()
			delete(v.followers, ch)
			v.mu.Unlock()
		}()
		for {
			select {
			case l := <-ch:
				select {
				case out <- l:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return past, out
}

// logs streams the log lines a request asks for as JSON lines:
// ?vat=V or ?subcluster=S, &since=RFC3339 time, &follow=true to keep the
// response open for later lines. It answers while the kernel starts too:
// that is when logs help most.
func (s *Server) logs(w http.ResponseWriter, r *http.Request) error {
	if s.vatLogs == nil {
		return &Error{Code: CodeNotFound, Message: "this daemon keeps no vat logs"}
	}
	q := r.URL.Query()
	f := LogFilter{Vat: q.Get("vat"), Subcluster: q.Get("subcluster")}
	if since := q.Get("since"); since != "" {
		t, err := time.Parse(time.RFC3339Nano, since)
		if err != nil {
			return badRequest("since=%q: want an RFC 3339 time like 2026-01-02T15:04:05Z", since)
		}
		f.Since = t
	}
	follow := q.Get("follow") == "true"
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	flush := func() {
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
	}
	if !follow {
		for _, l := range s.vatLogs.Lines(f) {
			_ = enc.Encode(l)
		}
		return nil
	}
	past, later := s.vatLogs.Follow(r.Context(), f)
	for _, l := range past {
		_ = enc.Encode(l)
	}
	flush()
	for l := range later {
		if enc.Encode(l) != nil {
			return nil
		}
		flush()
	}
	return nil
}

func sortLines(lines []LogLine) {
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Time.Before(lines[j].Time) })
}

// Logs calls fn with each log line f picks, oldest first; with follow, it
// goes on with later lines until ctx ends or fn returns an error.
func (c *Client) Logs(ctx context.Context, f LogFilter, follow bool, fn func(LogLine) error) error {
	q := url.Values{}
	if f.Vat != "" {
		q.Set("vat", f.Vat)
	}
	if f.Subcluster != "" {
		q.Set("subcluster", f.Subcluster)
	}
	if !f.Since.IsZero() {
		q.Set("since", f.Since.UTC().Format(time.RFC3339Nano))
	}
	if follow {
		q.Set("follow", "true")
	}
	body, err := c.stream(ctx, PathLogs+"?"+q.Encode())
	if err != nil {
		return err
	}
	defer body.Close()
	dec := json.NewDecoder(body)
	for {
		var l LogLine
		if err := dec.Decode(&l); err != nil {
			if err == io.EOF || ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("reading the daemon's logs: %w", err)
		}
		if err := fn(l); err != nil {
			return err
		}
	}
}
