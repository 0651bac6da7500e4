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
use ocaml::{FromValue, Int, Pointer, Value};

use crate::handles::ObjHandle;

/// A GValue's contents. Mirrors `Gobject.Data_repr.t` in `ocaml-lib/gobject.ml`
/// constructor by constructor (same order): keep them in step.
#[derive(ocaml::ToValue, ocaml::FromValue)]
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
    /// `STRING
    String(Option<String>),
    /// `OBJECT (an `obj` custom block)
    Object(Option<Value>),
    /// `CAML
    Caml(Value),
    /// `POINTER (the address)
    Pointer(Option<Int>),
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

/// Reads a GValue.
///
/// # Safety
/// `v` points to an initialised GValue; the domain lock is held (objects
/// become OCaml blocks).
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
            gobj::G_TYPE_LONG => Data::Int(gobj::g_value_get_long(v) as Int),
            gobj::G_TYPE_ULONG => Data::Int(gobj::g_value_get_ulong(v) as Int),
            gobj::G_TYPE_ENUM => Data::Int(gobj::g_value_get_enum(v) as Int),
            gobj::G_TYPE_FLAGS => Data::Int(gobj::g_value_get_flags(v) as Int),
            gobj::G_TYPE_INT64 => Data::Int64(gobj::g_value_get_int64(v)),
            gobj::G_TYPE_UINT64 => Data::Int64(gobj::g_value_get_uint64(v) as i64),
            gobj::G_TYPE_FLOAT => Data::Float(gobj::g_value_get_float(v) as f64),
            gobj::G_TYPE_DOUBLE => Data::Float(gobj::g_value_get_double(v)),
            gobj::G_TYPE_STRING => {
                let p = gobj::g_value_get_string(v);
                Data::String((!p.is_null()).then(|| std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()))
            }
            gobj::G_TYPE_POINTER => {
                let p = gobj::g_value_get_pointer(v);
                Data::Pointer((!p.is_null()).then_some(p as Int))
            }
            gobj::G_TYPE_BOXED if t == crate::caml_boxed::gtype() => {
                let p = gobj::g_value_get_boxed(v);
                if p.is_null() {
                    return Err("an empty GclosureCaml value".into());
                }
                Data::Caml(Value::new(crate::caml_boxed::get(p)))
            }
            gobj::G_TYPE_BOXED => {
                let p = gobj::g_value_get_boxed(v);
                Data::Pointer((!p.is_null()).then_some(p as Int))
            }
            gobj::G_TYPE_PARAM => {
                let p = gobj::g_value_get_param(v);
                Data::String((!p.is_null()).then(|| {
                    std::ffi::CStr::from_ptr(gobj::g_param_spec_get_name(p)).to_string_lossy().into_owned()
                }))
            }
            gobj::G_TYPE_OBJECT | gobj::G_TYPE_INTERFACE if t.is_a(glib::Type::OBJECT) => {
                let o = gobj::g_value_get_object(v) as *mut gobj::GObject;
                if o.is_null() {
                    Data::Object(None)
                } else {
                    let h = ObjHandle::add_ref(o).ok_or("ocaml-gclosure is shut down")?;
                    Data::Object(Some(h.0))
                }
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
/// domain lock is held (`d` may hold OCaml blocks).
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
            (gobj::G_TYPE_FLAGS, _) => gobj::g_value_set_flags(v, in_range(d, t, 0, u32::MAX as i128)? as u32),
            (gobj::G_TYPE_FLOAT, _) => gobj::g_value_set_float(v, float(d, t)? as f32),
            (gobj::G_TYPE_DOUBLE, _) => gobj::g_value_set_double(v, float(d, t)?),
            (gobj::G_TYPE_STRING, Data::String(s)) => match s {
                None => gobj::g_value_set_string(v, std::ptr::null()),
                Some(s) => {
                    let c = std::ffi::CString::new(s.as_str())
                        .map_err(|_| format!("`STRING {s:?} contains a NUL byte"))?;
                    gobj::g_value_set_string(v, c.as_ptr())
                }
            },
            (gobj::G_TYPE_BOXED, Data::Caml(c)) if t == crate::caml_boxed::gtype() => {
                let b = crate::caml_boxed::new_boxed(c.raw().0).ok_or("cannot root the value")?;
                gobj::g_value_take_boxed(v, b)
            }
            (gobj::G_TYPE_POINTER, Data::Pointer(p)) => {
                gobj::g_value_set_pointer(v, p.unwrap_or(0) as *mut std::ffi::c_void)
            }
            (gobj::G_TYPE_OBJECT | gobj::G_TYPE_INTERFACE, Data::Object(o)) if t.is_a(glib::Type::OBJECT) => {
                let ptr = match o {
                    None => std::ptr::null_mut(),
                    Some(o) => {
                        let h: Pointer<ObjHandle> = Pointer::from_value(o.clone());
                        let p = (*h.as_ptr()).ptr();
                        let ot = glib::Type::from_glib((*(*(p as *mut gobj::GTypeInstance)).g_class).g_type);
                        if !ot.is_a(t) {
                            return Err(format!("an object of class {} does not fit a value of type {}", ot.name(), t.name()));
                        }
                        p
                    }
                };
                gobj::g_value_set_object(v, ptr as *mut _)
            }
            _ => return Err(mismatch(d, t)),
        }
    }
    Ok(())
}
