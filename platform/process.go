package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin/runner"

	"github.com/ocapgo/ocap/proto/frame"
	"github.com/ocapgo/ocap/supervisor/handshake"
)

var _ runner.Runner = (*process)(nil)

// process is one vat-worker child, given to go-plugin as its runner. We run
// the child ourselves rather than let go-plugin do it because we need what
// its own runner hides: the moment of exit and the exit status, a process
// group to kill, and a command line of our choosing.
type process struct {
	path string
	name string // the vat id: go-plugin names the stderr logger after it
	env  []string

	cmd       *exec.Cmd
	stdout    io.ReadCloser
	stderr    io.ReadCloser
	socketDir string
	// frames is the kernel's end of the socket pair for delivery frames;
	// framesChild the worker's, closed here once the child holds it.
	frames      net.Conn
	framesChild *os.File

	mu      sync.Mutex
	pid     int
	started bool
	reaped  bool
	killed  bool
	waitErr error

	done chan struct{} // closed once the child has been reaped
}

func newProcess(path, name string, env []string) *process {
	return &process{path: path, name: name, env: env, done: make(chan struct{})}
}

// runnerFunc is the go-plugin RunnerFunc: tmpl carries the handshake
// environment and socketDir is where the worker will put its socket.
func (p *process) runnerFunc(_ hclog.Logger, tmpl *exec.Cmd, socketDir string) (runner.Runner, error) {
	cmd := &exec.Cmd{
		Path: p.path,
		// The command line says what the process is, whatever the
		// binary is called.
		Args: []string{workerName},
		Env:  append(append([]string{}, p.env...), tmpl.Env...),
		// Not the kernel's folder, which may hold its store.
		Dir: "/",
		SysProcAttr: &syscall.SysProcAttr{
			// Own session and process group: killing the worker kills
			// anything it started, and no terminal's signals or input
			// reach it.
			Setsid: true,
			// The worker dies with the kernel, even by kill -9.
			Pdeathsig: syscall.SIGKILL,
		},
	}
	var err error
	if p.frames, p.framesChild, err = framesPair(); err != nil {
		return nil, err
	}
	// The child's end becomes its fd 3.
	cmd.ExtraFiles = []*os.File{p.framesChild}
	cmd.Env = append(cmd.Env, handshake.FramesFDEnv+"=3")
	if p.stdout, err = cmd.StdoutPipe(); err != nil {
		return nil, fmt.Errorf("worker stdout: %w", err)
	}
	if p.stderr, err = cmd.StderrPipe(); err != nil {
		return nil, fmt.Errorf("worker stderr: %w", err)
	}
	p.cmd, p.socketDir = cmd, socketDir
	return p, nil
}

// Start starts the child, unless the launch was cancelled already.
func (p *process) Start(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.killed {
		return errors.New("launch cancelled")
	}
	err := spawn(p.cmd)
	p.closeFramesChild()
	if err != nil {
		return fmt.Errorf("starting %s: %w", p.path, err)
	}
	p.pid, p.started = p.cmd.Process.Pid, true
	return nil
}

// framesPair makes the socket pair for a worker's delivery frames. Both ends
// are close-on-exec: no other worker may inherit them.
func framesPair() (net.Conn, *os.File, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("making the worker's frames socket: %w", err)
	}
	conn, err := frame.FileConn(uintptr(fds[0]), "vat-worker frames")
	if err != nil {
		syscall.Close(fds[1])
		return nil, nil, fmt.Errorf("making the worker's frames socket: %w", err)
	}
	return conn, os.NewFile(uintptr(fds[1]), "vat-worker frames (worker's end)"), nil
}

// closeFramesChild closes the kernel's copy of the worker's end, so that the
// kernel's end sees EOF when the worker is gone.
func (p *process) closeFramesChild() {
	if p.framesChild != nil {
		_ = p.framesChild.Close()
		p.framesChild = nil
	}
}

// Wait is called once by go-plugin, after it has read the child's stdout and
// stderr to the end.
func (p *process) Wait(context.Context) error {
	err := p.cmd.Wait()
	p.mu.Lock()
	p.reaped, p.waitErr = true, err
	p.mu.Unlock()
	p.removeSocketDir()
	close(p.done)
	return err
}

// removeSocketDir removes the folder of the worker's unix socket. The socket
// is needed only to connect, so Launch removes it as soon as the stream is
// open: then not even a kernel killed by SIGKILL leaves it behind.
func (p *process) removeSocketDir() {
	if p.socketDir != "" {
		_ = os.RemoveAll(p.socketDir)
	}
}

// Kill kills the child's process group, or stops it from starting.
func (p *process) Kill(context.Context) error { return p.kill() }

func (p *process) kill() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.killed = true
	if !p.started || p.reaped {
		return nil
	}
	// The group id is the child's pid (Setsid); until the child is
	// reaped, that id cannot belong to anyone else.
	if err := syscall.Kill(-p.pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("killing vat-worker %d: %w", p.pid, err)
	}
	return nil
}

// release, after a failed launch, waits until the child has been reaped
// (which removes its socket dir) or, if it never started, removes the socket
// dir now; either way it closes the frames socket.
func (p *process) release() {
	p.mu.Lock()
	started := p.started
	p.closeFramesChild() // Start closed it already if it ran
	p.mu.Unlock()
	if started {
		<-p.done
	} else {
		p.removeSocketDir()
	}
	if p.frames != nil {
		_ = p.frames.Close()
	}
}

// exitStatus describes how the child ended; call it after done is closed.
func (p *process) exitStatus() (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.waitErr == nil {
		return "exit status 0", nil
	}
	return p.waitErr.Error(), p.waitErr
}

func (p *process) getPID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pid
}

func (p *process) Diagnose(context.Context) string {
	return fmt.Sprintf("check that %s is a vat-worker built from this module (its go-plugin handshake must match the kernel's)", p.path)
}

func (p *process) Stdout() io.ReadCloser { return p.stdout }
func (p *process) Stderr() io.ReadCloser { return p.stderr }
func (p *process) Name() string          { return p.name }
func (p *process) ID() string            { return strconv.Itoa(p.getPID()) }

func (p *process) PluginToHost(network, addr string) (string, string, error) {
	return network, addr, nil
}

func (p *process) HostToPlugin(network, addr string) (string, string, error) {
	return network, addr, nil
}

// spawner starts every worker from one OS thread that never exits. Linux
// sends the Pdeathsig signal when the *thread* that forked the child ends,
// not the process; a goroutine's thread can end (a goroutine locked to its
// thread exits), so forking from an arbitrary goroutine could kill a healthy
// worker.
var spawner struct {
	once sync.Once
	reqs chan spawnReq
}

type spawnReq struct {
	cmd  *exec.Cmd
	done chan error
}

func spawn(cmd *exec.Cmd) error {
	spawner.once.Do(func() {
		spawner.reqs = make(chan spawnReq)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives as long as the kernel
			for r := range spawner.reqs {
				markCloseOnExec()
				r.done <- r.cmd.Start()
			}
		}()
	})
	done := make(chan error, 1)
	spawner.reqs <- spawnReq{cmd: cmd, done: done}
	return <-done
}
