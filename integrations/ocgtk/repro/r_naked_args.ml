(* (d) The naked [args] pointer, followed by a major GC during a callback,
   on ocgtk's public API.

   ocgtk's marshaller builds the OCaml record argv = { result; nargs; args }
   with [args] set to GLib's `const GValue *param_values`: a C pointer (to
   the emitter's stack) stored as an OCaml value. The record is a local root
   of the marshaller for the whole callback. OCaml 5 has no naked-pointer
   check: when a major GC marks argv it treats [args] as a heap block and
   reads the word before param_values as its header (and, if that word
   looks like an unmarked header, writes the mark bits into it and scans
   the "fields" it describes).

   modes:
     button N   a Gtk.Button's "clicked", emitted N times with
                Gobject.Signal.emit_by_name; the handler runs Gc.full_major
                and then reads its argument 0 (the button) back.
     cancel N   the same with N Gio.Cancellables, the signal emitted by GLib
                itself (g_cancellable_cancel).
     mnemonic N a Gtk.Button's "mnemonic-activate" (a signal with a return
                value), emitted N times by gtk_widget_mnemonic_activate.
   Which word lies before param_values depends on GLib's emission path: on
   Debian 12's GLib 2.74, g_signal_emit_valist passes its alloca'd array
   right above the return address of its call into the emission, and that
   address differs between signals without a return value (its bits 8-9
   read as "not markable", so the GC skips it) and signals with one (bits
   8-9 = 0: one of the three colours the major GC cycles through).
   Prints "done: N callbacks, M full major GCs inside them, B bad arguments". *)

module Button = Ocgtk_gtk.Gtk.Wrappers.Button
module Cancellable = Ocgtk_gio.Gio.Wrappers.Cancellable

let () =
  let mode = if Array.length Sys.argv > 1 then Sys.argv.(1) else "button" in
  let n = if Array.length Sys.argv > 2 then int_of_string Sys.argv.(2) else 2000 in
  let calls = ref 0 and bad = ref 0 in
  let handler expected_type argv =
    incr calls;
    (* argv is live (the marshaller's local root) through this GC *)
    Gc.full_major ();
    let t = Gobject.Closure.get_type argv ~pos:0 in
    if not (Gobject.Type.equal t expected_type) then incr bad;
    ignore (Sys.opaque_identity (Gobject.Closure.nth argv ~pos:0))
  in
  (match mode with
   | "button" ->
     ignore (Ocgtk_gtk.GMain.init ());
     let b = Button.new_with_label "x" in
     let ty = Gobject.get_type b in
     let cb = Gobject.Closure.create (handler ty) in
     ignore (Gobject.Signal.connect b ~name:"clicked" ~callback:cb ~after:false);
     for _ = 1 to n do Gobject.Signal.emit_by_name b ~name:"clicked" done
   | "mnemonic" ->
     ignore (Ocgtk_gtk.GMain.init ());
     let b = Button.new_with_label "x" in
     let ty = Gobject.get_type b in
     let cb =
       Gobject.Closure.create (fun argv ->
           handler ty argv;
           Gobject.Value.set_boolean (Gobject.Closure.result argv) true)
     in
     ignore (Gobject.Signal.connect b ~name:"mnemonic-activate" ~callback:cb ~after:false);
     for _ = 1 to n do
       ignore (Ocgtk_gtk.Gtk.Wrappers.Widget.mnemonic_activate (Gobject.unsafe_cast b) false)
     done
   | "cancel" ->
     for _ = 1 to n do
       let c = Cancellable.new_ () in
       let cb = Gobject.Closure.create (handler (Gobject.get_type c)) in
       ignore (Gobject.Signal.connect c ~name:"cancelled" ~callback:cb ~after:false);
       Cancellable.cancel c
     done
   | _ -> prerr_endline "usage: r_naked_args.exe button|cancel|mnemonic [N]"; exit 2);
  Printf.printf "done: %d callbacks, %d full major GCs inside them, %d bad arguments\n%!" !calls !calls !bad;
  if !bad > 0 then exit 1
