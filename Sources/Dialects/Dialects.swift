// The Dialects module. See DESIGN.md section 6.
