// The Desk module. See DESIGN.md section 6.
