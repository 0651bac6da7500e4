//! The OCaml side: the one boundary every external runs through, the
//! custom blocks that carry C pointers, and the externals themselves.
pub mod argv;
pub mod boundary;
pub mod caml_boxed;
pub mod errors;
pub mod gvalue;
pub mod handles;
pub mod ml;
pub mod owners;
pub mod release;
pub mod shutdown;
pub mod signals;
