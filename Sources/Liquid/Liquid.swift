// The Liquid module. See DESIGN.md section 6.
