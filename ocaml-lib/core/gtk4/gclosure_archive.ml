let with_gtk4 = true
