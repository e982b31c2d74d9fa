# Appointment booking at the service office (SPEC §6; regulation §11.1, §11.2, §14.13).

menu-booking = 🗓 Записаться на приём
