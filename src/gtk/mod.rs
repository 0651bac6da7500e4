//! What the library knows of GLib's types and of GTK, for any GTK (3 or 4)
//! and any binding.
pub mod affinity;
pub mod gtype;
pub mod toplevels;
pub mod weight;
