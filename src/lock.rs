//! Whether the calling thread may run OCaml code now.

extern "C" {
    fn gclosure_shim_domain_lock_held() -> std::ffi::c_int;
}

/// True when the calling thread holds an OCaml domain lock (so it may
/// allocate, read roots and call OCaml functions).
pub fn held() -> bool {
    // SAFETY: the shim only reads OCaml's thread-local domain-state pointer,
    // which is valid to read from any thread at any time.
    unsafe { gclosure_shim_domain_lock_held() != 0 }
}
