//! Conversions between GValues and [`Data`], the OCaml side's
//! `Gobject.data_get` / `data_set` in a form Rust can read and build.
//!
//! Reading picks the variant from the value's fundamental type. Writing
//! converts to the type the GValue was initialised with and refuses,
//! naming both, what does not fit: a `BOOL into a gint, an int out of a
//! guchar's range, an object of the wrong class.

use glib::gobject_ffi::GValue;
use glib::gobject_ffi as gobj;
use glib::translate::{FromGlib, IntoGlib};
use ocaml::{sys, Int};

use crate::ocaml::boundary::{alloc_tagged, invalid, Arg, OString, Res, Ret, Rooted, Val};
use crate::ocaml::handles::ObjRef;

/// A GValue's contents, owned by Rust (strings copied, objects referenced,
/// OCaml values rooted). Mirrors `Gobject.Repr.t` in `ocaml-lib/gobject.ml`
/// constructor by constructor (same order): keep them in step.
pub enum Data {
    /// `NONE
    None,
    /// `BOOL
    Bool(bool),
    /// `CHAR (a char code)
    Char(Int),
    /// `UCHAR
    UChar(Int),
    /// `INT
    Int(Int),
    /// `UINT
    UInt(Int),
    /// `LONG
    Long(Int),
    /// `ULONG
    ULong(Int),
    /// `INT32
    Int32(i32),
    /// `UINT32
    UInt32(i32),
    /// `INT64
    Int64(i64),
    /// `UINT64
    UInt64(i64),
    /// `FLOAT
    Float(f64),
    /// `DOUBLE
    Double(f64),
    /// `STRING, as bytes (OCaml strings are bytes; GLib's must be UTF-8
    /// when written, and come back byte for byte when read)
    String(Option<Vec<u8>>),
    /// `OBJECT
    Object(Option<ObjRef>),
    /// `CAML
    Caml(Rooted),
    /// `POINTER (the address): read from GValues; refused when written
    /// (the safe API never hands an address to C code)
    Pointer(Option<Int>),
    /// `UNSAFE_POINTER (the address): written into plain `gpointer`
    /// values only, on the caller's word that C code may use it
    UnsafePointer(Option<Int>),
}

impl Data {
    /// The OCaml constructor's name, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Data::None => "`NONE",
            Data::Bool(_) => "`BOOL",
            Data::Char(_) => "`CHAR",
            Data::UChar(_) => "`UCHAR",
            Data::Int(_) => "`INT",
            Data::UInt(_) => "`UINT",
            Data::Long(_) => "`LONG",
            Data::ULong(_) => "`ULONG",
            Data::Int32(_) => "`INT32",
            Data::UInt32(_) => "`UINT32",
            Data::Int64(_) => "`INT64",
            Data::UInt64(_) => "`UINT64",
            Data::Float(_) => "`FLOAT",
            Data::Double(_) => "`DOUBLE",
            Data::String(_) => "`STRING",
            Data::Object(_) => "`OBJECT",
            Data::Caml(_) => "`CAML",
            Data::Pointer(_) => "`POINTER",
            Data::UnsafePointer(_) => "`UNSAFE_POINTER",
        }
    }

    /// The integer carried by an integer-like variant.
    fn integer(&self) -> Option<i128> {
        Some(match *self {
            Data::Char(i) | Data::UChar(i) | Data::Int(i) | Data::UInt(i) | Data::Long(i) | Data::ULong(i) => i as i128,
            Data::Int32(i) => i as i128,
            Data::UInt32(i) => i as u32 as i128,
            Data::Int64(i) => i as i128,
            Data::UInt64(i) => i as u64 as i128,
            _ => return None,
        })
    }
}

/// Constructor tags of `Repr.t` (constant `None_` aside), in order.
mod tag {
    pub const BOOL: u8 = 0;
    pub const CHAR: u8 = 1;
    pub const UCHAR: u8 = 2;
    pub const INT: u8 = 3;
    pub const UINT: u8 = 4;
    pub const LONG: u8 = 5;
    pub const ULONG: u8 = 6;
    pub const INT32: u8 = 7;
    pub const UINT32: u8 = 8;
    pub const INT64: u8 = 9;
    pub const UINT64: u8 = 10;
    pub const FLOAT: u8 = 11;
    pub const DOUBLE: u8 = 12;
    pub const STRING: u8 = 13;
    pub const OBJECT: u8 = 14;
    pub const CAML: u8 = 15;
    pub const POINTER: u8 = 16;
    pub const UNSAFE_POINTER: u8 = 17;
}

extern "C" {
    fn caml_copy_int32(i: i32) -> Val;
}

impl Arg for Data {
    unsafe fn read(v: Val, func: &'static str, name: &'static str) -> Res<Self> {
        if !sys::is_block(v) {
            return Ok(Data::None);
        }
        // SAFETY: `v` is a `Repr.t` block (precondition): its tag names the
        // constructor and field 0 holds the argument, of the constructor's
        // type (boxed int32/int64/float, option, string, obj block).
        unsafe {
            let f = *sys::field(v, 0);
            let int = || sys::int_val(f);
            let custom_i32 = || *(sys::field(f, 1) as *const i32);
            let custom_i64 = || *(sys::field(f, 1) as *const i64);
            let double = || *(f as *const f64);
            Ok(match sys::tag_val(v) {
                tag::BOOL => Data::Bool(f != sys::FALSE),
                tag::CHAR => Data::Char(int()),
                tag::UCHAR => Data::UChar(int()),
                tag::INT => Data::Int(int()),
                tag::UINT => Data::UInt(int()),
                tag::LONG => Data::Long(int()),
                tag::ULONG => Data::ULong(int()),
                tag::INT32 => Data::Int32(custom_i32()),
                tag::UINT32 => Data::UInt32(custom_i32()),
                tag::INT64 => Data::Int64(custom_i64()),
                tag::UINT64 => Data::UInt64(custom_i64()),
                tag::FLOAT => Data::Float(double()),
                tag::DOUBLE => Data::Double(double()),
                tag::STRING => Data::String(if f == sys::NONE {
                    None
                } else {
                    let s = *sys::field(f, 0);
                    Some(std::slice::from_raw_parts(sys::string_val(s), sys::caml_string_length(s)).to_vec())
                }),
                tag::OBJECT => Data::Object(<Option<ObjRef> as Arg>::read(f, func, name)?),
                tag::CAML => Data::Caml(Rooted::read(f, func, name)?),
                tag::POINTER => Data::Pointer(if f == sys::NONE { None } else { Some(sys::int_val(*sys::field(f, 0))) }),
                tag::UNSAFE_POINTER => {
                    Data::UnsafePointer(if f == sys::NONE { None } else { Some(sys::int_val(*sys::field(f, 0))) })
                }
                t => return Err(invalid(func, format!("{name}: unknown data constructor (tag {t})"))),
            })
        }
    }
}

impl Ret for Data {
    unsafe fn into_ocaml(self) -> Res<Val> {
        // SAFETY: domain lock held (precondition). Each argument value is
        // passed straight to `alloc_tagged`, which roots it across its own
        // allocation.
        unsafe {
            let int = |i: Int| sys::val_int(i);
            Ok(match self {
                Data::None => sys::val_int(0),
                Data::Bool(b) => alloc_tagged(tag::BOOL, if b { sys::TRUE } else { sys::FALSE }),
                Data::Char(i) => alloc_tagged(tag::CHAR, int(i)),
                Data::UChar(i) => alloc_tagged(tag::UCHAR, int(i)),
                Data::Int(i) => alloc_tagged(tag::INT, int(i)),
                Data::UInt(i) => alloc_tagged(tag::UINT, int(i)),
                Data::Long(i) => alloc_tagged(tag::LONG, int(i)),
                Data::ULong(i) => alloc_tagged(tag::ULONG, int(i)),
                Data::Int32(i) => alloc_tagged(tag::INT32, caml_copy_int32(i)),
                Data::UInt32(i) => alloc_tagged(tag::UINT32, caml_copy_int32(i)),
                Data::Int64(i) => alloc_tagged(tag::INT64, sys::caml_copy_int64(i)),
                Data::UInt64(i) => alloc_tagged(tag::UINT64, sys::caml_copy_int64(i)),
                Data::Float(f) => alloc_tagged(tag::FLOAT, sys::caml_copy_double(f)),
                Data::Double(f) => alloc_tagged(tag::DOUBLE, sys::caml_copy_double(f)),
                Data::String(s) => alloc_tagged(tag::STRING, s.map(OString).into_ocaml()?),
                Data::Object(o) => alloc_tagged(tag::OBJECT, o.into_ocaml()?),
                Data::Caml(r) => alloc_tagged(tag::CAML, r.0.get()),
                Data::Pointer(p) => alloc_tagged(tag::POINTER, p.into_ocaml()?),
                Data::UnsafePointer(p) => alloc_tagged(tag::UNSAFE_POINTER, p.into_ocaml()?),
            })
        }
    }
}

/// The GType of an initialised GValue.
///
/// # Safety
/// `v` points to an initialised GValue.
pub unsafe fn type_of(v: *const GValue) -> glib::Type {
    // SAFETY: initialised GValue (precondition); g_type is its first field.
    unsafe { glib::Type::from_glib((*v).g_type) }
}

fn fundamental(t: glib::Type) -> glib::ffi::GType {
    // SAFETY: `t` is a registered type (it came from an initialised GValue
    // or a GLib query).
    unsafe { gobj::g_type_fundamental(t.into_glib()) }
}

/// An OCaml `int` (63 bits) when `i` fits, else an `INT64 (glong and
/// gulong are 64 bits wide here: never truncated).
fn wide(i: i128) -> Data {
    if (-(1i128 << 62)..(1i128 << 62)).contains(&i) {
        Data::Int(i as Int)
    } else {
        Data::Int64(i as i64)
    }
}

/// Reads a GValue (strings byte for byte, objects referenced, OCaml values
/// rooted).
///
/// # Safety
/// `v` points to an initialised GValue; the domain lock is held.
pub unsafe fn read(v: *const GValue) -> Result<Data, String> {
    // SAFETY: precondition.
    let t = unsafe { type_of(v) };
    // SAFETY (for every getter below): `v` is initialised with a type whose
    // fundamental is the one matched, which is what each getter requires.
    let d = unsafe {
        match fundamental(t) {
            gobj::G_TYPE_NONE | gobj::G_TYPE_INVALID => Data::None,
            gobj::G_TYPE_BOOLEAN => Data::Bool(gobj::g_value_get_boolean(v) != 0),
            gobj::G_TYPE_CHAR => Data::Char(gobj::g_value_get_schar(v) as u8 as Int),
            gobj::G_TYPE_UCHAR => Data::Char(gobj::g_value_get_uchar(v) as Int),
            gobj::G_TYPE_INT => Data::Int(gobj::g_value_get_int(v) as Int),
            gobj::G_TYPE_UINT => Data::Int(gobj::g_value_get_uint(v) as Int),
            gobj::G_TYPE_LONG => wide(gobj::g_value_get_long(v) as i128),
            gobj::G_TYPE_ULONG => wide(gobj::g_value_get_ulong(v) as i128),
            gobj::G_TYPE_ENUM => Data::Int(gobj::g_value_get_enum(v) as Int),
            gobj::G_TYPE_FLAGS => Data::Int(gobj::g_value_get_flags(v) as Int),
            gobj::G_TYPE_INT64 => Data::Int64(gobj::g_value_get_int64(v)),
            gobj::G_TYPE_UINT64 => Data::Int64(gobj::g_value_get_uint64(v) as i64),
            gobj::G_TYPE_FLOAT => Data::Float(gobj::g_value_get_float(v) as f64),
            gobj::G_TYPE_DOUBLE => Data::Float(gobj::g_value_get_double(v)),
            gobj::G_TYPE_STRING => {
                let p = gobj::g_value_get_string(v);
                Data::String((!p.is_null()).then(|| std::ffi::CStr::from_ptr(p).to_bytes().to_vec()))
            }
            gobj::G_TYPE_POINTER => {
                let p = gobj::g_value_get_pointer(v);
                Data::Pointer((!p.is_null()).then_some(p as Int))
            }
            gobj::G_TYPE_BOXED if t == crate::ocaml::caml_boxed::gtype() => {
                let p = gobj::g_value_get_boxed(v);
                if p.is_null() {
                    return Err("an empty GclosureCaml value".into());
                }
                let v = crate::ocaml::caml_boxed::get(p).ok_or("a GclosureCaml value released at shutdown")?;
                let r = crate::core::root::Root::new(v).ok_or("cannot root the value")?;
                Data::Caml(Rooted(r))
            }
            gobj::G_TYPE_BOXED => {
                let p = gobj::g_value_get_boxed(v);
                Data::Pointer((!p.is_null()).then_some(p as Int))
            }
            gobj::G_TYPE_PARAM => {
                let p = gobj::g_value_get_param(v);
                Data::String((!p.is_null()).then(|| {
                    std::ffi::CStr::from_ptr(gobj::g_param_spec_get_name(p)).to_bytes().to_vec()
                }))
            }
            gobj::G_TYPE_OBJECT | gobj::G_TYPE_INTERFACE if t.is_a(glib::Type::OBJECT) => {
                Data::Object(ObjRef::from_none(gobj::g_value_get_object(v)))
            }
            _ => return Err(format!("GValues of type {} are not supported yet", t.name())),
        }
    };
    Ok(d)
}

fn mismatch(d: &Data, t: glib::Type) -> String {
    format!("{} does not fit a value of type {}", d.kind(), t.name())
}

fn in_range(d: &Data, t: glib::Type, lo: i128, hi: i128) -> Result<i128, String> {
    let i = d.integer().ok_or_else(|| mismatch(d, t))?;
    if i < lo || i > hi {
        return Err(format!("{} {} is out of range for type {}", d.kind(), i, t.name()));
    }
    Ok(i)
}

fn float(d: &Data, t: glib::Type) -> Result<f64, String> {
    match *d {
        Data::Float(f) | Data::Double(f) => Ok(f),
        _ => Err(mismatch(d, t)),
    }
}

/// Stores `d` into the GValue, converting to the type it holds.
///
/// # Safety
/// `v` points to an initialised GValue that the caller may write; the
/// domain lock is held (`d` may hold rooted OCaml values).
pub unsafe fn write(v: *mut GValue, d: &Data) -> Result<(), String> {
    // SAFETY: precondition.
    let t = unsafe { type_of(v) };
    let f = fundamental(t);
    // SAFETY (for every setter below): `v` is initialised with a type whose
    // fundamental is the one matched, which is what each setter requires;
    // the value passed is in that type's range (checked just before).
    unsafe {
        match (f, d) {
            (gobj::G_TYPE_BOOLEAN, Data::Bool(b)) => gobj::g_value_set_boolean(v, *b as i32),
            (gobj::G_TYPE_CHAR, _) => gobj::g_value_set_schar(v, in_range(d, t, -128, 255)? as u8 as i8),
            (gobj::G_TYPE_UCHAR, _) => gobj::g_value_set_uchar(v, in_range(d, t, 0, 255)? as u8),
            (gobj::G_TYPE_INT, _) => gobj::g_value_set_int(v, in_range(d, t, i32::MIN as i128, i32::MAX as i128)? as i32),
            (gobj::G_TYPE_UINT, _) => gobj::g_value_set_uint(v, in_range(d, t, 0, u32::MAX as i128)? as u32),
            (gobj::G_TYPE_LONG, _) => gobj::g_value_set_long(v, in_range(d, t, i64::MIN as i128, i64::MAX as i128)? as _),
            (gobj::G_TYPE_ULONG, _) => gobj::g_value_set_ulong(v, in_range(d, t, 0, u64::MAX as i128)? as _),
            (gobj::G_TYPE_INT64, _) => gobj::g_value_set_int64(v, in_range(d, t, i64::MIN as i128, i64::MAX as i128)? as i64),
            (gobj::G_TYPE_UINT64, _) => gobj::g_value_set_uint64(v, in_range(d, t, 0, u64::MAX as i128)? as u64),
            (gobj::G_TYPE_ENUM, _) => {
                let i = in_range(d, t, i32::MIN as i128, i32::MAX as i128)? as i32;
                let class = gobj::g_type_class_ref(t.into_glib()) as *mut gobj::GEnumClass;
                let known = !gobj::g_enum_get_value(class, i).is_null();
                gobj::g_type_class_unref(class as *mut _);
                if !known {
                    return Err(format!("{i} is not a value of enum {}", t.name()));
                }
                gobj::g_value_set_enum(v, i)
            }
            (gobj::G_TYPE_FLAGS, _) => {
                let bits = in_range(d, t, 0, u32::MAX as i128)? as u32;
                let class = gobj::g_type_class_ref(t.into_glib()) as *mut gobj::GFlagsClass;
                let unknown = bits & !(*class).mask;
                gobj::g_type_class_unref(class as *mut _);
                if unknown != 0 {
                    return Err(format!("{bits:#x} has bits that are not flags of {} ({unknown:#x})", t.name()));
                }
                gobj::g_value_set_flags(v, bits)
            }
            (gobj::G_TYPE_FLOAT, _) => gobj::g_value_set_float(v, float(d, t)? as f32),
            (gobj::G_TYPE_DOUBLE, _) => gobj::g_value_set_double(v, float(d, t)?),
            (gobj::G_TYPE_STRING, Data::String(s)) => match s {
                None => gobj::g_value_set_string(v, std::ptr::null()),
                Some(s) => {
                    if let Err(e) = std::str::from_utf8(s) {
                        return Err(format!("string is not valid UTF-8 (byte {})", e.valid_up_to()));
                    }
                    let c = std::ffi::CString::new(s.as_slice())
                        .map_err(|e| format!("string contains a NUL byte (byte {})", e.nul_position()))?;
                    gobj::g_value_set_string(v, c.as_ptr())
                }
            },
            (gobj::G_TYPE_BOXED, Data::Caml(c)) if t == crate::ocaml::caml_boxed::gtype() => {
                let b = crate::ocaml::caml_boxed::new_boxed(c.0.get()).ok_or("cannot root the value")?;
                gobj::g_value_take_boxed(v, b)
            }
            // An address, even NULL, is something C code may dereference:
            // plain `gpointer` signal parameters are written through all
            // the time (GtkEditable's insert-text handler writes through its
            // `gint *position`). The safe API refuses every address; only
            // the constructor named unsafe writes one.
            (gobj::G_TYPE_POINTER, Data::Pointer(_)) => {
                return Err(format!(
                    "`POINTER writes a raw address into a value of type {}, which C code may dereference: \
                     the safe API refuses it (`UNSAFE_POINTER is the unsafe way)",
                    t.name()
                ))
            }
            // Plain gpointer only: derived types (GType, GVariantType...)
            // are pointers GLib itself dereferences or interprets, even
            // with no handler connected.
            (gobj::G_TYPE_POINTER, Data::UnsafePointer(p)) if t == glib::Type::POINTER => {
                gobj::g_value_set_pointer(v, p.unwrap_or(0) as *mut std::ffi::c_void)
            }
            (gobj::G_TYPE_OBJECT | gobj::G_TYPE_INTERFACE, Data::Object(o)) if t.is_a(glib::Type::OBJECT) => {
                let ptr = match o {
                    None => std::ptr::null_mut(),
                    Some(o) => {
                        let ot = o.class();
                        if !ot.is_a(t) {
                            return Err(format!("an object of class {} does not fit a value of type {}", ot.name(), t.name()));
                        }
                        o.ptr()
                    }
                };
                gobj::g_value_set_object(v, ptr as *mut _)
            }
            _ => return Err(mismatch(d, t)),
        }
    }
    Ok(())
}
