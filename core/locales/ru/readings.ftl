# Meter readings (SPEC §5; regulation §10.3, §10.5).

menu-readings = 🔢 Передать показания
command-readings = Передать показания счётчика
command-readings_history = История показаний
reading-reference-prefix-default = П

# Tariff zones, by the names people know (domain/readings.py zone_name_key).
reading-zone-single = Показание
reading-zone-t1-day = Т1 «день»
reading-zone-t2-night = Т2 «ночь»
reading-zone-t1-peak = Т1 «пик»
reading-zone-t2-half-peak = Т2 «полупик»
reading-zone-t3-night = Т3 «ночь»
reading-meter-zones-1 = однотарифный
reading-meter-zones-2 = двухтарифный (день/ночь)
reading-meter-zones-3 = трёхтарифный (пик/полупик/ночь)

reading-month-1 = январь
reading-month-2 = февраль
reading-month-3 = март
reading-month-4 = апрель
reading-month-5 = май
reading-month-6 = июнь
reading-month-7 = июль
reading-month-8 = август
reading-month-9 = сентябрь
reading-month-10 = октябрь
reading-month-11 = ноябрь
reading-month-12 = декабрь
reading-period = { $month } { $year } г.

reading-channel-bot = через бот
reading-channel-phone = по телефону
reading-channel-in-person = на приёме

# Starting the dialog.
reading-consent-needed = Показания передаются по вашему лицевому счёту, поэтому сначала нужно согласие на обработку персональных данных.
reading-no-account =
    Показания передаются по лицевому счёту, а у вас пока нет привязанных счетов.
    Привяжите счёт — понадобятся номер лицевого счёта и фамилия владельца (или номер счётчика): кнопка ниже или команда /accounts.
reading-no-meter = В реестре нет счётчиков по вашим лицевым счетам, поэтому передать показания через бот нельзя. Обратитесь, пожалуйста, в абонентский отдел.
reading-intro-inside = Показания принимаются с { $start } по { $end } число каждого месяца. Сегодня они будут учтены за { $period }
reading-intro-before = Показания принимаются с { $start } по { $end } число каждого месяца. Передать их можно и сейчас: они сохранятся и будут учтены за { $period }
reading-intro-after = Приём показаний в этом месяце закончился { $end } числа. Передать их можно и сейчас: они сохранятся и будут учтены за { $period } — в следующем расчётном периоде.
reading-ask-account = Выберите лицевой счёт:
reading-account-button = { $account } — { $address }
reading-ask-meter = Выберите счётчик:
reading-meter-button = № { $serial }, { $kind }

# Values.
reading-ask-value =
    <b>{ $zone }</b> — счётчик № { $serial }
    Введите число с табло в кВт·ч, например 12345 или 12 345,6.
reading-ask-value-last = Последнее принятое показание: { $value } ({ $date }).
reading-error-not-number = Это не похоже на показание. Введите только цифры с табло, например 12345 или 12 345,6 — без букв и единиц измерения.
reading-error-negative = Показание не может быть отрицательным. Введите число с табло счётчика.
reading-error-decimals = После запятой — не больше { $max } цифр. Введите показание ещё раз.
reading-error-digits = На табло этого счётчика { $digits } цифр до запятой, а в числе их больше. Проверьте и введите показание ещё раз.
reading-error-below-last = { $zone }: показание меньше последнего принятого ({ $last }). Похоже на опечатку — проверьте число на табло и введите его ещё раз.
reading-error-rollover-unconfirmed = { $zone }: показание меньше последнего принятого ({ $last }). Если счётчик перешёл через ноль, это нужно подтвердить.
reading-error-implausible-unconfirmed = { $zone }: расход { $consumption } кВт·ч намного больше обычного для этого счётчика. Показание нужно подтвердить.
reading-error-zones = Нужны показания по всем тарифным зонам счётчика: их { $count }.
reading-error-meter-not-found = Этот счётчик не найден среди счётчиков ваших лицевых счетов. Начните заново: «🔢 Передать показания».
reading-error-no-account = Нет привязанного лицевого счёта.
reading-error-period = Период указывается как ГГГГ-ММ, например 2026-11.
reading-rollover-question =
    { $zone }: показание { $value } меньше последнего принятого ({ $last }).
    Последнее было близко к максимуму табло — возможно, счётчик перешёл через ноль. Тогда расход с { $date } — { $consumption } кВт·ч.
    Если это опечатка, просто введите показание ещё раз.
reading-rollover-button = 🔄 Счётчик перешёл через ноль
reading-implausible-warning =
    { $zone }: расход с { $date } — { $consumption } кВт·ч. Это намного больше обычного для этого счётчика: в среднем { $average } кВт·ч в месяц.
    Проверьте число на табло. Если всё верно — подтвердите, если нет — введите показание ещё раз.
reading-implausible-button = ✅ Всё верно
reading-fix-button = ✏️ Исправить
reading-fix-prompt = Введите показание ещё раз.
reading-dialog-text-expected = Введите показание цифрами — или нажмите «⬅️ Назад» или «✖️ Отмена».
reading-dialog-button-expected = Выберите вариант кнопкой под сообщением выше — или нажмите «⬅️ Назад» или «✖️ Отмена».

# Photo.
reading-ask-photo = Если хотите, пришлите фото счётчика, на котором видно табло и номер, — оно поможет при проверке. Или нажмите «Пропустить».
reading-photo-skip = Пропустить
reading-photo-expected = Пришлите фото счётчика (как фотографию, не файлом) или нажмите «Пропустить».

# Confirmation and the receipt.
reading-confirm-title = Проверьте показания перед отправкой:
reading-meter-line = Лицевой счёт { $account }, счётчик № { $serial }
reading-line-first = { $zone }: <b>{ $value }</b> — первое показание, расход не рассчитывается
reading-line-consumption = { $zone }: <b>{ $value }</b> — расход { $consumption } кВт·ч с { $date }
reading-line-rollover = { $zone }: <b>{ $value }</b> — счётчик перешёл через ноль, расход { $consumption } кВт·ч с { $date }
reading-photo-yes = Фото счётчика: приложено
reading-photo-no = Фото счётчика: нет
reading-period-line = Будут учтены за: { $period }
reading-submit-button = ✅ Отправить
reading-edit-button = ✏️ Исправить показания
reading-receipt-title = ✅ Показания приняты.
reading-receipt-number = Номер: <b>{ $reference }</b>
reading-receipt-time = Принято: { $time }
reading-receipt-period = Учтены за: { $period }
reading-already-accepted = Эти показания уже приняты: № <b>{ $reference }</b>, { $time }. Они есть в истории показаний.
reading-note-before = Сейчас не период приёма показаний (с { $start } по { $end } число), { $state ->
        [sent] но показания приняты и будут учтены за { $period }
       *[draft] но их можно отправить: проверьте и отправьте — они будут учтены за { $period }
    }
reading-note-after = Приём показаний в этом месяце закончился { $end } числа: { $state ->
        [sent] показания приняты и будут учтены за { $period }
       *[draft] проверьте и отправьте показания — они будут учтены за { $period }
    }
reading-history-button = 📜 История показаний

# History.
reading-history-empty = По вашим счётчикам пока нет переданных показаний.
reading-history-meter = <b>Лицевой счёт { $account }, счётчик № { $serial }</b>
reading-history-meter-empty = Показаний пока нет.
reading-history-item = { $date } — { $values } ({ $channel }, { $reference })

# Command line: the billing export.
reading-export-failed = Не удалось записать файл { $path }: { $problem }
reading-export-done = Выгружено строк: { $rows } (показания, учтённые за { $period }) в файл { $path }.
