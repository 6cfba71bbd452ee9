// The Generation module. See DESIGN.md section 6.
