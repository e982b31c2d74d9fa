"""/register in the staff chat: an appeal received by phone, post or in person, registered by
a staff member step by step (form, name, answer channel, contact, kind, subject, text)."""
