let with_gtk4 = false
