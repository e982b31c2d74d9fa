# Meter readings (SPEC §5; regulation §10.3, §10.5).

menu-readings = 🔢 Передать показания
