package platform

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/proto/workerpb"
	"github.com/ocapgo/ocap/supervisor"
	"github.com/ocapgo/ocap/supervisor/handshake"
)

// pairPlugin serves the worker side and dispenses the kernel side, so that
// both run in this process over a real gRPC connection.
type pairPlugin struct{ *supervisor.Plugin }

func (pairPlugin) GRPCClient(ctx context.Context, b *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return workerPlugin{}.GRPCClient(ctx, b, c)
}

// newPair connects a kernelStream to an in-process supervisor.
func newPair(t *testing.T, opts supervisor.Options) (*kernelStream, *supervisor.Plugin) {
	t.Helper()
	logger := testutil.Logger(t)
	if opts.Logger == nil {
		opts.Logger = logger
	}
	p := supervisor.NewPlugin(opts)
	client, _ := plugin.TestPluginGRPCConn(t, false, plugin.PluginSet{handshake.PluginName: pairPlugin{p}})
	t.Cleanup(func() {
		_ = client.Close() // also stops the server
		p.Close()
	})
	raw, err := client.Dispense(handshake.PluginName)
	if err != nil {
		t.Fatal(err)
	}
	st, err := openStream(raw.(workerpb.WorkerClient), logger, DefaultMaxMessageBytes, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.close)
	return st, p
}

func newFakePair(t *testing.T) (*kernelStream, *supervisor.Plugin) {
	return newPair(t, supervisor.Options{NewRuntime: fakeRuntime})
}

func deliver(t *testing.T, st *kernelStream, d *workerpb.Delivery) *workerpb.DeliveryResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testutil.Patience)
	defer cancel()
	r, err := st.deliver(ctx, d)
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	return r
}

func TestStreamPingIDs(t *testing.T) {
	st, _ := newFakePair(t)
	for want := uint64(1); want <= 3; want++ {
		d := testutil.Ping()
		r := deliver(t, st, d)
		if d.GetId() != want || r.GetId() != want {
			t.Fatalf("delivery id %d, result id %d; want both %d", d.GetId(), r.GetId(), want)
		}
		if r.GetPong() != "pong" || r.GetError() != "" {
			t.Fatalf("ping answered %v", r)
		}
	}
}

func TestStreamCarriesSyscalls(t *testing.T) {
	st, _ := newFakePair(t)
	r := deliver(t, st, testutil.Message(testutil.TargetSyscalls, "#[]"))
	want := testutil.FakeSyscalls()
	if len(r.GetSyscalls()) != len(want) {
		t.Fatalf("got %d syscalls, want %d: %v", len(r.GetSyscalls()), len(want), r)
	}
	for i := range want {
		if !proto.Equal(r.GetSyscalls()[i], want[i]) {
			t.Errorf("syscall %d: got %v, want %v", i, r.GetSyscalls()[i], want[i])
		}
	}
}

func TestStreamWantCrank(t *testing.T) {
	st, _ := newFakePair(t)
	select {
	case <-st.wantCrank:
		t.Fatal("WantCrank before the vat asked")
	default:
	}
	deliver(t, st, testutil.Message(testutil.TargetWantCrank, "#[]"))
	select {
	case <-st.wantCrank:
	case <-time.After(testutil.Patience):
		t.Fatal("WantCrank did not reach the kernel side")
	}
}

func TestStreamSerialisesDeliveries(t *testing.T) {
	st, _ := newFakePair(t)
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			body := fmt.Sprintf("#%d", i)
			d := testutil.Message(testutil.TargetEcho, body)
			r, err := st.deliver(context.Background(), d)
			switch {
			case err != nil:
				errs <- err
			case r.GetId() != d.GetId() || r.GetPong() != body:
				errs <- fmt.Errorf("delivery %d %q answered by %d %q", d.GetId(), body, r.GetId(), r.GetPong())
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestStreamPanicBecomesDeliveryError(t *testing.T) {
	st, _ := newFakePair(t)
	r := deliver(t, st, testutil.Message(testutil.TargetPanic, "#[]"))
	if !strings.Contains(r.GetError(), "panicked") {
		t.Fatalf("a panicking delivery answered %v", r)
	}
	if r := deliver(t, st, testutil.Ping()); r.GetPong() != "pong" {
		t.Fatalf("worker unusable after a panic: ping answered %v", r)
	}
}

func TestStreamDefaultRuntime(t *testing.T) {
	st, _ := newPair(t, supervisor.Options{})
	r := deliver(t, st, testutil.Ping())
	if r.GetError() != "" || r.GetPong() != "pong" {
		t.Fatalf("a worker with the default (liveslots) runtime answered %v", r)
	}
}

func TestStreamEndEndsWorker(t *testing.T) {
	st, p := newFakePair(t)
	deliver(t, st, testutil.Ping())
	select {
	case <-p.Done():
		t.Fatal("worker done while its stream is open")
	default:
	}
	st.close()
	testutil.WaitFor(t, testutil.Patience, "the worker to see its stream end", func() bool {
		select {
		case <-p.Done():
			return true
		default:
			return false
		}
	})
	_, err := st.deliver(context.Background(), testutil.Ping())
	if err == nil {
		t.Fatal("deliver on a closed stream succeeded")
	}
}
