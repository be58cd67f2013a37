// Package guesttest starts Boxpark guests for tests, demos and development,
// as net/http/httptest starts HTTP servers: each comes with the host's event
// server (host port 1) and host-proxy server (host port 2) already listening
// on its hybrid socket, and an open RPC connection (unless asked not to). A
// real host uses package host alone; this package is how the tests and the
// quick start get a guest to talk to.
//
// # A guest process on this machine
//
// [BuildGuest] builds target/debug/boxpark-guest with cargo, and
// [StartLocal] starts it on a fresh hybrid socket
// (`boxpark-guest --transport hybrid:<Dir>/guest.sock`): a [LocalGuest],
// the emulation of the VM transport that the end-to-end tests use.
// [BuildGoGuest] builds the Go reference guest (cmd/goguest), which takes
// the same flags, so that StartLocal starts it just as well.
//
// # A guest in a QEMU VM
//
// [StartVM] boots a kernel and an initramfs whose /init is the guest in
// QEMU, with a virtio-vsock device served by vhost-device-vsock on Unix
// sockets (the images that scripts/vm builds): a [VMGuest], for the VM tests
// and the quick start's -vm mode. It is a test fixture, not a VMM for a real
// host: TCG by default, -no-reboot, the serial console in a file, a NIC whose
// network reaches nothing, and every process ended with the test.
//
// Both end the processes they started by their PIDs, never by name, and give
// them SIGKILL should this process die first.
package guesttest
