//! The binary suite: what needs the real `boxpark-guest` process, built by the harness and run with
//! `--transport hybrid:<tempdir>/g.sock` against a fake host (`boxpark_e2e::GuestProcess`): the
//! command line, start-up and its records on host port 1 and stderr, the hybrid handshake on a
//! real socket, the exit status after `Shutdown` and after SIGTERM, no leaked descriptors or
//! children, the process staying up after bad input, and the contract's typical session. What each
//! method and proxy network does is the in-process suite's (`tests/in_process/`); `serves.rs` only
//! checks that the binary serves every part, so that a wiring mistake in `main.rs` shows here.

#![allow(non_snake_case)]

mod bad_inputs;
mod leaks;
mod serves;
mod session;
mod shutdown;
mod startup;
