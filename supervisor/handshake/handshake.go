// Package handshake holds what the kernel (package platform) and a vat-worker
// (package supervisor) must agree on before their stream exists: the go-plugin
// handshake, the plugin's name, and the environment the kernel gives a worker.
//
// It is a package of its own so that the kernel can share these values
// without linking the worker side, which embeds the JavaScript runtime.
package handshake

import plugin "github.com/hashicorp/go-plugin"

// Config is the go-plugin handshake between the kernel and a vat-worker.
// The cookie only tells a vat-worker started by hand that it is meant to be
// started by the kernel; it is not a secret. Bump ProtocolVersion when the
// wire in proto/worker.proto changes incompatibly.
var Config = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "OCAP_VAT_WORKER_COOKIE",
	MagicCookieValue: "53f4d45f6552c605a570a86c7b4d56770c55ab164feef49c2d7d1618227d8b55",
}

// PluginName names the Worker service in both sides' plugin sets.
const PluginName = "worker"

// LogLevelEnv carries the kernel logger's level (an hclog level name) to the
// worker, so that a worker does not write log lines the kernel would drop.
const LogLevelEnv = "OCAP_VAT_WORKER_LOG_LEVEL"

// FramesFDEnv names the file descriptor of the socket the kernel hands a
// worker at spawn for the delivery frames (package proto/frame). A worker
// that finds it answers the gRPC stream's opening with FramesHeader set to
// "1", and from then on both ends carry the stream's messages as frames.
const FramesFDEnv = "OCAP_VAT_WORKER_FRAMES_FD"

// FramesHeader is the stream header by which a worker agrees to frames.
const FramesHeader = "ocap-frames"
