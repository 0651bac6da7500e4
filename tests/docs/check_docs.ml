(* Every public item of the given .mli files has a doc comment.

   usage: check_docs.exe FILE.mli...

   Parses each file with the compiler's own parser, which attaches a doc
   comment written right before or right after an item to that item (as an
   [ocaml.doc] attribute), and lists every value, external, type,
   constructor-less exception, module and module type that has none,
   descending into [sig ... end]. Exit 1 when anything is listed. *)

let missing = ref 0

let has_doc attrs =
  List.exists (fun (a : Parsetree.attribute) -> a.attr_name.txt = "ocaml.doc") attrs

let report file (loc : Location.t) what name =
  incr missing;
  Printf.printf "%s:%d: %s %s has no doc comment\n" file loc.loc_start.pos_lnum what name

let rec check_signature file prefix (items : Parsetree.signature) =
  List.iter (check_item file prefix) items

and check_item file prefix (item : Parsetree.signature_item) =
  let open Parsetree in
  let name s = prefix ^ s in
  match item.psig_desc with
  | Psig_value vd ->
      if not (has_doc vd.pval_attributes) then
        report file vd.pval_loc "value" (name vd.pval_name.txt)
  | Psig_type (_, decls) | Psig_typesubst decls ->
      List.iter
        (fun td ->
          if not (has_doc td.ptype_attributes) then
            report file td.ptype_loc "type" (name td.ptype_name.txt))
        decls
  | Psig_exception te ->
      let ext = te.ptyexn_constructor in
      if not (has_doc te.ptyexn_attributes || has_doc ext.pext_attributes) then
        report file te.ptyexn_loc "exception" (name ext.pext_name.txt)
  | Psig_module md ->
      let n = Option.value md.pmd_name.txt ~default:"_" in
      if not (has_doc md.pmd_attributes) then report file md.pmd_loc "module" (name n);
      check_module_type file (name n ^ ".") md.pmd_type
  | Psig_modtype mtd ->
      if not (has_doc mtd.pmtd_attributes) then
        report file mtd.pmtd_loc "module type" (name mtd.pmtd_name.txt);
      Option.iter (check_module_type file (name mtd.pmtd_name.txt ^ ".")) mtd.pmtd_type
  | Psig_recmodule mds ->
      List.iter (fun md -> check_item file prefix { item with psig_desc = Psig_module md }) mds
  | _ -> () (* opens, includes, floating comments, ...: nothing to name *)

and check_module_type file prefix (mt : Parsetree.module_type) =
  match mt.pmty_desc with
  | Pmty_signature s -> check_signature file prefix s
  | _ -> ()

let check file =
  let ic = open_in_bin file in
  let lexbuf = Lexing.from_channel ic in
  Location.init lexbuf file;
  let sg = Parse.interface lexbuf in
  close_in ic;
  check_signature file "" sg

let () =
  let files = List.tl (Array.to_list Sys.argv) in
  if files = [] then (prerr_endline "usage: check_docs.exe FILE.mli..."; exit 2);
  List.iter check files;
  if !missing > 0 then (
    Printf.printf "%d public item(s) without a doc comment\n" !missing;
    exit 1)
  else Printf.printf "every public item of %d file(s) has a doc comment\n" (List.length files)
