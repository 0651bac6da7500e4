//! The core: a closure's life, with nothing about how OCaml values are
//! represented or which GTK a program uses.
pub mod callbacks;
pub mod closure;
pub mod deferred;
pub mod grace;
pub mod hooks;
pub mod invocation;
pub mod life;
pub mod lifecycle;
pub mod local_root;
pub mod lock;
pub mod registry;
pub mod root;
pub mod safepoint;
pub mod scan;
pub mod spare;
pub mod thread;
pub mod token;
