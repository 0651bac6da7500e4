//! The exceptions the OCaml surface raises, built from Rust errors.
//!
//! Messages always name the function and the problem (`Gobject.Type.from_name:
//! unknown type "Foo"`). The exception constructors are registered by the
//! OCaml side (`gclosure.ml`) with `Callback.register_exception`.

/// An error of the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GcError {
    /// Bad input from the caller: raised in OCaml as `Invalid_argument msg`.
    InvalidArgument(String),
    /// The library has been shut down: raised in OCaml as `Gclosure.Closed`.
    Closed,
    /// A failure of the library itself (a caught Rust panic): raised in
    /// OCaml as `Failure msg`.
    Failure(String),
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
            GcError::InvalidArgument(m) | GcError::Failure(m) => write!(f, "{m}"),
            GcError::Closed => write!(f, "ocaml-gclosure is shut down: no closure can be created or connected"),
        }
    }
}

impl std::error::Error for GcError {}

