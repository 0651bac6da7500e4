//! The exceptions the OCaml surface raises, built from Rust errors.
//!
//! Messages always name the problem and the function (`Gobject.Type.from_name:
//! unknown type "Foo"`). The exception constructors are registered by the
//! OCaml side (`gobject.ml`) with `Callback.register_exception`.

use ocaml::{CamlError, Error, Runtime, Value};

/// An error of the library, raised in OCaml as described on each variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GcError {
    /// Bad input from the caller: raised as `Invalid_argument msg`.
    InvalidArgument(String),
    /// The library has been shut down: raised as `Gclosure.Closed`.
    Closed(String),
}

impl GcError {
    /// An `Invalid_argument` whose message is `"{func}: {what}"`.
    pub fn invalid(func: &str, what: impl std::fmt::Display) -> Self {
        GcError::InvalidArgument(format!("{func}: {what}"))
    }

    /// The message carried by the error.
    pub fn message(&self) -> &str {
        match self {
            GcError::InvalidArgument(m) | GcError::Closed(m) => m,
        }
    }
}

impl std::fmt::Display for GcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GcError::InvalidArgument(m) => write!(f, "invalid argument: {m}"),
            GcError::Closed(m) => write!(f, "ocaml-gclosure is shut down: {m}"),
        }
    }
}

impl std::error::Error for GcError {}

/// Converts to the `ocaml::Error` that raises the matching OCaml exception.
/// Must be called with the domain lock held (it allocates the message).
pub fn to_ocaml(rt: &Runtime, e: GcError) -> Error {
    let (name, msg) = match &e {
        GcError::InvalidArgument(m) => ("gclosure.invalid_argument", m),
        GcError::Closed(m) => ("gclosure.closed", m),
    };
    match Error::named(name) {
        // SAFETY: the domain lock is held by the caller (precondition above).
        Some(exn) => Error::Caml(CamlError::WithArg(exn, unsafe { Value::string(msg) })),
        None => {
            let _ = rt;
            Error::Message("ocaml-gclosure: exception constructors not registered")
        }
    }
}
