// The Validation module. See DESIGN.md section 6.
