// Package e2e holds end-to-end tests of the Rust Boxpark guest
// (boxpark-guest) driven by the Go host library (package host), over the
// hybrid Unix-socket transport. They only run with GOB_RUST_INTEROP=1 (and
// cargo on PATH): TestMain builds the guest once with
// `cargo build -q -p boxpark-guest` in the workspace root (../..,
// guesttest.BuildGuest), and each test starts its own guest
// (guesttest.StartLocal) on a fresh socket in a temporary directory, with
// the host's event server (<UDS>_1) and proxy server (<UDS>_2) listening
// first, and stops it at the end (Guest.Shutdown, or SIGKILL to its PID).
// BOXPARK_E2E_GUEST=<binary> tests that binary instead of building one.
//
// BOXPARK_E2E_IMPL=go runs the same tests against the Go reference guest
// (interop-go/cmd/goguest, built with go build by guesttest.BuildGoGuest)
// instead; the default is rust. The suite passes against both, which shows
// that it tests the contract and not the Rust guest's own choices. The few
// checks of such a choice skip for the Go guest, saying "rust-guest
// choice" and why (rustGuestChoice).
//
// What they cover: every RPC method (Mount, Run, Write, Mkdir, Listen,
// Shutdown), the event stream (Info, then Log values; reconnects), every
// proxy network (tcp, unix, udp, unixgram, file, launch), the host proxy,
// the contract's "typical session", and bad inputs after which the guest must
// keep serving.
//
// They touch only loopback, Unix sockets and files in temporary directories;
// Mount mounts a tmpfs under a temporary directory only when run as root.
package e2e
