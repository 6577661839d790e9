package ocap

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/router"
)

// An IO channel is a cluster config "io" entry made into a kernel service
// with read() and write(data), handed to bootstrap under the entry's name
// and closed when its subcluster ends:
//
//	console  read: lines of the kernel's stdin; write: the kernel log
//	file     read: the file from its start; write: appended to it
//	socket   listens on a unix socket at path; reads from and writes to the
//	         first client (later clients wait their turn)
//	listen   the same on a TCP host:port
//	network  connects to a TCP host:port on first use
//
// read() answers the next unit (a line without its newline for "line", the
// default; whatever arrived, up to 64 KiB, for "string", "chars" and
// "bytes"), or null at end of input. write(s) writes s, plus a newline for
// "line". direction "in" refuses writes, "out" refuses reads.
type ioChannel struct {
	name string
	cfg  IOConfig
	log  hclog.Logger

	mu   sync.Mutex // one read or write at a time
	path string     // resolved path of a file or socket

	closeMu sync.Mutex // not mu: closing must unblock a read in progress
	closed  bool
	closer  func() error
	conn    func(ctx context.Context) (io.ReadWriter, error) // the stream, opened on first use
	rw      io.ReadWriter
	reader  *bufio.Reader
}

// openIO opens one channel; relative paths resolve against dir.
func openIO(name string, raw json.RawMessage, dir string, log hclog.Logger) (router.ServiceHandler, func(), error) {
	var cfg IOConfig
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, nil, fmt.Errorf("io %q: %w", name, err)
	}
	if err := cfg.check(); err != nil {
		return nil, nil, fmt.Errorf("io %q: %w", name, err)
	}
	c := &ioChannel{name: name, cfg: cfg, log: log.Named("io").With("channel", name)}
	path := cfg.Path
	if path != "" && !filepath.IsAbs(path) && dir != "" {
		path = filepath.Join(dir, path)
	}
	c.path = path
	var err error
	switch cfg.Type {
	case "console":
		c.rw = consoleRW{log: c.log}
	case "file":
		err = c.openFile(path)
	case "socket":
		err = c.listen("unix", path)
	case "listen":
		err = c.listen("tcp", cfg.Hostport)
	case "network":
		c.conn = func(ctx context.Context) (io.ReadWriter, error) {
			var d net.Dialer
			conn, err := d.DialContext(ctx, "tcp", cfg.Hostport)
			if err == nil {
				c.setCloser(conn.Close)
			}
			return conn, err
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("io %q: %w", name, err)
	}
	return c.handle, c.close, nil
}

func (c *ioChannel) openFile(path string) error {
	flags := os.O_CREATE | os.O_RDWR | os.O_APPEND
	if c.cfg.Direction == "in" {
		flags = os.O_RDONLY
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		return err
	}
	c.rw = f
	c.setCloser(f.Close)
	return nil
}

func (c *ioChannel) listen(network, addr string) error {
	if network == "unix" {
		if err := removeStaleSocket(addr); err != nil {
			return err
		}
	}
	l, err := net.Listen(network, addr)
	if err != nil {
		return err
	}
	c.setCloser(l.Close)
	c.conn = func(ctx context.Context) (io.ReadWriter, error) {
		accepted, err := l.Accept()
		if err != nil {
			return nil, fmt.Errorf("waiting for a client on %s: %w", addr, err)
		}
		c.setCloser(func() error {
			accepted.Close()
			return l.Close()
		})
		return accepted, nil
	}
	return nil
}

// removeStaleSocket removes a socket file left by an earlier run. A socket
// something still listens on is refused, never unlinked: removing it would
// cut that listener off from new clients without a word.
func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("%s exists and is not a socket; remove it or choose another path", path)
	}
	if conn, err := net.Dial("unix", path); err == nil {
		conn.Close()
		return fmt.Errorf("socket %s is in use: something is listening on it", path)
	}
	return os.Remove(path)
}

// handle is the channel's service: read() and write(data).
func (c *ioChannel) handle(ctx context.Context, method string, args []any) (any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.isClosed() {
		return nil, fmt.Errorf("io channel %q is closed", c.name)
	}
	switch method {
	case "read":
		if c.cfg.Direction == "out" {
			return nil, fmt.Errorf("io channel %q is output only", c.name)
		}
		return c.read(ctx)
	case "write":
		if c.cfg.Direction == "in" {
			return nil, fmt.Errorf("io channel %q is input only", c.name)
		}
		if len(args) != 1 {
			return nil, &marshal.Error{Name: "TypeError", Message: fmt.Sprintf("io channel %q: write takes one string", c.name)}
		}
		s, ok := args[0].(string)
		if !ok {
			return nil, &marshal.Error{Name: "TypeError", Message: fmt.Sprintf("io channel %q: write takes a string, got %s", c.name, kindOf(args[0]))}
		}
		return nil, c.write(ctx, s)
	}
	return nil, noMethod("io:"+c.name, method, []string{"read", "write"})
}

func (c *ioChannel) stream(ctx context.Context) (io.ReadWriter, error) {
	if c.rw == nil {
		rw, err := c.conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("io channel %q: %w", c.name, err)
		}
		c.rw = rw
	}
	if c.reader == nil {
		c.reader = bufio.NewReader(c.rw)
	}
	return c.rw, nil
}

func (c *ioChannel) read(ctx context.Context) (any, error) {
	if _, err := c.stream(ctx); err != nil {
		return nil, err
	}
	if c.unit() == "line" {
		line, err := c.reader.ReadString('\n')
		if errors.Is(err, io.EOF) && line == "" {
			return nil, nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("io channel %q: %w", c.name, err)
		}
		return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), nil
	}
	buf := make([]byte, 64<<10)
	n, err := c.reader.Read(buf)
	if n == 0 && errors.Is(err, io.EOF) {
		return nil, nil
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("io channel %q: %w", c.name, err)
	}
	return string(buf[:n]), nil
}

func (c *ioChannel) write(ctx context.Context, s string) error {
	w, err := c.stream(ctx)
	if err != nil {
		return err
	}
	if c.unit() == "line" {
		s += "\n"
	}
	if _, err := io.WriteString(w, s); err != nil {
		return fmt.Errorf("io channel %q: %w", c.name, err)
	}
	return nil
}

func (c *ioChannel) unit() string {
	if c.cfg.Unit == "" {
		return "line"
	}
	return c.cfg.Unit
}

func (c *ioChannel) setCloser(f func() error) {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	c.closer = f
}

func (c *ioChannel) isClosed() bool {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	return c.closed
}

// close ends the channel; a read or accept in progress fails at once.
func (c *ioChannel) close() {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	if c.closer != nil {
		_ = c.closer()
	}
	if c.cfg.Type == "socket" {
		_ = os.Remove(c.path)
	}
}

// consoleRW reads the kernel's stdin and writes to its log.
type consoleRW struct{ log hclog.Logger }

func (consoleRW) Read(p []byte) (int, error) { return os.Stdin.Read(p) }

func (c consoleRW) Write(p []byte) (int, error) {
	c.log.Info(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// ioOpener opens the io channels of cluster configs for the router.
func ioOpener(log hclog.Logger) router.OpenIO {
	return func(name string, raw json.RawMessage, dir string) (router.ServiceHandler, func(), error) {
		return openIO(name, raw, dir, log)
	}
}
