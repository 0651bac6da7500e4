//! The exceptions the OCaml surface raises, built from Rust errors.
//!
//! Messages always name the function and the problem (`Gobject.Type.from_name:
//! unknown type "Foo"`). The exception constructors are registered by the
//! OCaml side (`gclosure.ml`) with `Callback.register_exception`.

use ocaml::{CamlError, Error, Runtime, Value};

/// An error of the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GcError {
    /// Bad input from the caller: raised in OCaml as `Invalid_argument msg`.
    InvalidArgument(String),
    /// The library has been shut down: raised in OCaml as `Gclosure.Closed`.
    Closed,
}

impl GcError {
    /// An `InvalidArgument` whose message is `"{func}: {what}"`.
    pub fn invalid(func: &str, what: impl std::fmt::Display) -> Self {
        GcError::InvalidArgument(format!("{func}: {what}"))
    }
}

impl std::fmt::Display for GcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GcError::InvalidArgument(m) => write!(f, "{m}"),
            GcError::Closed => write!(f, "ocaml-gclosure is shut down: no closure can be created or connected"),
        }
    }
}

impl std::error::Error for GcError {}

/// The `ocaml::Error` that raises the matching OCaml exception.
/// Must be called with the domain lock held (it allocates the message).
pub fn to_ocaml(_rt: &Runtime, e: GcError) -> Error {
    match e {
        GcError::Closed => crate::ml::closed(),
        GcError::InvalidArgument(m) => match Error::named("gclosure.invalid_argument") {
            // SAFETY: the domain lock is held by the caller (precondition above).
            Some(exn) => Error::Caml(CamlError::WithArg(exn, unsafe { Value::string(m) })),
            None => Error::Message("ocaml-gclosure: bad argument (exceptions not registered)"),
        },
    }
}
