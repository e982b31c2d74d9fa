"""Appointment booking (SPEC §6): the booking dialog, «Мои записи», the reminders' buttons."""
