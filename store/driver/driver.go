// Package driver is the contract between the kernel and a store driver.
// The kernel keeps every table in one ordered key-value space; a driver only
// has to read keys, scan a prefix in key order, and apply one crank's writes
// atomically. Package store re-exports these names; drivers implement them.
package driver

import (
	"context"
	"errors"
)

// Store is a durable, ordered key-value space owned by one kernel at a time.
type Store interface {
	// Get returns the value stored at key; ok is false when there is none.
	Get(ctx context.Context, key string) (value string, ok bool, err error)
	// Scan calls fn for every key starting with prefix, in byte order of the
	// keys. An error from fn stops the scan and is returned.
	Scan(ctx context.Context, prefix string, fn func(key, value string) error) error
	// Commit applies writes in order, all or nothing, in one transaction.
	Commit(ctx context.Context, writes []Write) error
	// Wipe deletes every key (Kernel.Reset), keeping the schema.
	Wipe(ctx context.Context) error
	// Info describes the open store for logs and errors.
	Info() Info
	// Close releases the store and its lock.
	Close() error
}

// RangeScanner is implemented by a Store that can start a scan part way
// through a prefix (both drivers do): reading a long range a page at a
// time then costs each page alone.
type RangeScanner interface {
	// ScanFrom is Scan over the keys starting with prefix that are >= from.
	ScanFrom(ctx context.Context, prefix, from string, fn func(key, value string) error) error
}

// Write is one change of a Commit: set Key to Value, or delete Key.
type Write struct {
	Key    string
	Value  string
	Delete bool
}

// Info names an open store.
type Info struct {
	Driver        string // "sqlite" or "postgres"
	Location      string // file path, ":memory:", or host/db/schema (no password)
	SchemaVersion int
}

var (
	// ErrLocked means another live kernel holds the store.
	ErrLocked = errors.New("store is in use by another kernel")
	// ErrNewerSchema means the store was written by a newer ocap.
	ErrNewerSchema = errors.New("store schema is newer than this kernel")
	// ErrNotKernelStore means the database holds something else.
	ErrNotKernelStore = errors.New("not an ocap kernel store")
	// ErrClosed is returned by calls on a closed store.
	ErrClosed = errors.New("store is closed")
)
