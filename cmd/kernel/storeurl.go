package main

import (
	"context"

	"github.com/ocapgo/ocap/store"
)

// A store URL's password is never printed: errors about a store pass
// through hidePassword, and messages name a store by store.RedactURL.

// openStore opens the kernel store at url.
func openStore(ctx context.Context, url string) (store.Store, error) {
	s, err := store.Open(ctx, url)
	return s, hidePassword(err, url)
}

// hidePassword returns err with url's password hidden wherever its text
// shows it; errors.Is and As still see err.
func hidePassword(err error, url string) error {
	if err == nil {
		return nil
	}
	msg := store.HidePassword(err.Error(), url)
	if msg == err.Error() {
		return err
	}
	return passwordHidden{msg, err}
}

type passwordHidden struct {
	msg string
	err error
}

func (e passwordHidden) Error() string { return e.msg }
func (e passwordHidden) Unwrap() error { return e.err }
