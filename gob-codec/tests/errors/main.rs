//! Malformed input: each case must fail with a specific [`ErrorKind`], a plausible stream offset and
//! a useful message, and nothing may panic or overflow the stack. Streams are built by hand with the
//! helpers of [`streams`] (`WIRE.md` layout: a message is a length, a type id and a value) and
//! checked with those of [`checks`]; one module per topic.
//!
//! [`ErrorKind`]: gob_codec::ErrorKind

#![allow(non_snake_case)]
#![allow(clippy::unwrap_used)]

mod checks;
mod streams;

mod counts;
mod definitions;
mod depth;
mod encoding;
mod end_of_input;
mod interfaces;
mod limits;
mod mutation;
mod types;
