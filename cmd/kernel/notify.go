package main

import (
	"net"
	"os"
	"strings"
)

// sdNotify tells systemd about the daemon's state when it runs as a
// Type=notify service: one datagram on $NOTIFY_SOCKET ("READY=1" once the
// kernel is restored and serving, "STOPPING=1" when it stops). Without
// NOTIFY_SOCKET it does nothing. It is the whole of the protocol a
// service needs; failures are returned for the log, never fatal.
func sdNotify(state string) error {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return nil
	}
	if strings.HasPrefix(path, "@") {
		path = "\x00" + path[1:] // an abstract socket
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Write([]byte(state))
	return err
}
