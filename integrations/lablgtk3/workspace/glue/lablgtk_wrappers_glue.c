/* lablgtk's wrappers.c, compiled in this translation unit instead of its
   own (the "ours" build's src/dune names this file in place of
   `wrappers`; lib.sh, lg_patch_for_glue), with its two root helpers
   renamed, so that every other lablgtk file's call reaches
   lablgtk_glue.c's ml_global_root_new / ml_global_root_destroy (rooted
   cells of the C API). The stock pair stays, under the names below, for
   after a shutdown (see lablgtk_glue.c). The workspace's build appends
   wrappers.c, unchanged, below these lines (dune compiles only the files
   a library names, so an #include of it would not be found). */
#define ml_global_root_new lg_stock_ml_global_root_new
#define ml_global_root_destroy lg_stock_ml_global_root_destroy
#line 1 "wrappers.c"
