// The Intake module. See DESIGN.md section 6.
