# Appointment booking at the service office (SPEC §6; regulation §11.1, §11.2, §14.13).

menu-booking = 🗓 Записаться на приём
command-booking = Записаться на приём в пункт обслуживания
command-bookings = Мои записи на приём
# The letter before the booking number: З-2026-000045.
booking-number-prefix = З

booking-weekday-mon = пн
booking-weekday-tue = вт
booking-weekday-wed = ср
booking-weekday-thu = чт
booking-weekday-fri = пт
booking-weekday-sat = сб
booking-weekday-sun = вс
booking-when = { $weekday }, { $date } в { $time }
booking-day-button = { $weekday }, { $date }
booking-hours-day = { $days } { $ranges }
booking-hours-break = перерыв { $ranges }
booking-hours-day-with-break = { $days } { $ranges } (перерыв { $breaks })

booking-topic-grid_connection = Технологическое присоединение
booking-topic-contracts = Договоры
booking-topic-metering = Приборы учёта и показания
booking-topic-other = Другой вопрос

booking-channel-bot = через бота
booking-channel-phone = по телефону
booking-channel-in_person = в пункте обслуживания

booking-consent-needed =
    Чтобы записаться на приём, нужно ваше согласие на обработку персональных данных: в записи хранятся ваши ФИО и телефон.
    Без записи можно прийти в часы работы пункта обслуживания — примем в порядке живой очереди.
booking-intro =
    <b>Запись на приём в пункт обслуживания</b>
    Часы работы: { $hours }.
    Без записи тоже можно: в часы работы примем в порядке живой очереди.
booking-ask-topic = По какому вопросу вы придёте?
booking-ask-day = Выберите день (показаны дни, где есть свободное время):
booking-no-days =
    На ближайшие { $days } рабочих дней свободного времени для записи нет.
    Приходите без записи в часы работы ({ $hours }) — примем в порядке живой очереди.
booking-ask-time = { $day }: выберите время. Приём длится до { $minutes } минут.
booking-day-full = На этот день свободного времени уже нет. Выберите другой день:
booking-ask-full-name = Как вас записать? Напишите фамилию, имя и отчество.
booking-use-button = Использовать: { $value }
booking-ask-phone = Ваш телефон для связи, например +7 920 000-00-00:
booking-summary =
    <b>Проверьте запись</b>
    Вопрос: { $topic }
    Когда: { $when }
    ФИО: { $name }
    Телефон: { $phone }
booking-confirm = ✅ Записаться
booking-change-time = 🕒 Другое время
booking-already-booked = Вы уже записаны: № <b>{ $number }</b>, <b>{ $when }</b>.
booking-already-closed = Запись № { $number } на { $when } уже отменена или перенесена. Ваши записи — в «Мои записи» (/bookings).
booking-done =
    Вы записаны на приём.
    Номер записи: <b>{ $number }</b>
    Когда: <b>{ $when }</b>
    Вопрос: { $topic }
    Адрес: { $address }
    { $planned } Отменить или перенести запись можно в «Мои записи» (/bookings).
# The reminders that will really go (domain/booking.py reminder_times): none for a visit
# too soon after booking.
booking-reminders = { $what ->
        [both] Напоминания придут накануне в 18:00 и за 2 часа до приёма.
        [d1] Напоминание придёт накануне в 18:00.
        [h2] Напоминание придёт за 2 часа до приёма.
       *[none] Приём уже скоро, напоминаний не будет — запишите время.
    }
booking-address-unknown = пункт обслуживания — адрес в справке, раздел «Адреса и часы работы»
booking-my-button = 🗓 Мои записи
booking-button-expected = Выберите, пожалуйста, вариант кнопкой выше. Можно нажать «⬅️ Назад» или /cancel.

booking-error-slot-taken = Это время только что заняли. Выберите другое:
booking-error-slot-not-offered = На это время записаться уже нельзя. Выберите другое:
booking-error-too-many = У вас уже есть предстоящие записи ({ $max }) — больше нельзя. Отмените или перенесите одну из них в «Мои записи» (/bookings).
booking-error-already-booked = У вас уже есть запись на это время.
booking-error-not-found = Запись не найдена.
booking-error-not-active = Эта запись уже отменена, перенесена или её время прошло.
booking-error-name = Напишите, пожалуйста, фамилию и имя буквами (до 200 знаков).

bookings-none = У вас нет предстоящих записей на приём. Записаться — «🗓 Записаться на приём» или /booking.
bookings-title = <b>Ваши записи на приём</b>
bookings-item = • { $number } — { $when }, { $topic }
bookings-move-button = 🕒 Перенести { $number }
bookings-cancel-button = ✖️ Отменить { $number }
bookings-cancel-confirm = Отменить запись { $number } на { $when }?
bookings-cancel-yes = Да, отменить
bookings-cancel-no = Нет, оставить
bookings-cancelled = Запись { $number } на { $when } отменена, время освобождено для других.
bookings-kept = Хорошо, запись остаётся в силе.
bookings-move-ask-day = Перенос записи { $number } ({ $when }). «⬅️ Назад» или «Отмена» — оставить запись как есть.
bookings-moved =
    Запись перенесена на <b>{ $when }</b>.
    Новый номер записи: <b>{ $number }</b> (прежняя запись { $old } отменена).
    Адрес: { $address }
    { $planned }

booking-reminder-d1 =
    🔔 Напоминаем: вы записаны на приём в пункт обслуживания — { $when }.
    Номер записи: { $number }. Вопрос: { $topic }.
    Если не сможете прийти, отмените запись — время освободится для других.
booking-reminder-h2 =
    🔔 Скоро приём: { $when } ждём вас в пункте обслуживания.
    Номер записи: { $number }.
booking-cancelled-by-staff = Запись № { $number } на { $when } отменена пунктом обслуживания. Приносим извинения — выберите, пожалуйста, другое время: /booking. Без записи тоже примем в часы работы.
booking-reminder-cancel = Отменить запись
booking-reminder-come = Приду
booking-reminder-thanks = Спасибо! Ждём вас.

booking-day-title = Записи на приём на { $date } ({ $weekday }): { $count }
booking-day-empty = Записей на приём на { $date } нет.
booking-day-line = { $time } { $number } { $name }, { $phone } — { $topic } ({ $channel })
booking-csv-header = время,номер,вопрос,ФИО,телефон,как записан
