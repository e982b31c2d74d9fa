# Notices to subscribers (SPEC §8; §16.3, §18.7): what a person receives.

notice-footer = <i>Настроить или отключить уведомления: /settings</i>

notice-debt =
    💳 <b>Задолженность по лицевому счёту</b>
    { $lines }
    Оплатить можно в личном кабинете, в отделении банка или в нашем офисе. Если вы уже оплатили, не обращайте внимания на это сообщение.
notice-debt-line = • Лицевой счёт { $account }: { $amount } ₽ на { $as_of }, оплатить до { $due }

notice-payment-due =
    📅 <b>Скоро срок оплаты</b>
    { $lines }
    Если вы уже оплатили, не обращайте внимания на это сообщение.
notice-payment-due-line = • Лицевой счёт { $account }: { $amount } ₽, срок оплаты { $due }

notice-restriction =
    ⚠️ <b>Предупреждение об ограничении режима потребления электроэнергии</b>
    { $lines }
    Чтобы избежать ограничения, погасите задолженность до указанной даты. Вопросы — в разделе «Обращение» или по телефону, указанному в квитанции.
notice-restriction-line = • Лицевой счёт { $account }: задолженность { $amount } ₽. Если она не будет погашена, с { $date } режим потребления может быть ограничен.

notice-place = { $settlement }, { $street }{ $houses ->
        [none] {""} (вся улица)
       *[other] , дома: { $houses }
    }

notice-planned-outage =
    🔧 <b>Плановое отключение электроэнергии</b>
    Адрес: { notice-place }
    С { $starts } до { $ends }.{ $reason ->
        [none] {""}
       *[other] {" "}Причина: { $reason }.
    }
notice-outage-evening =
    🔧 <b>Напоминаем: завтра плановое отключение электроэнергии</b>
    Адрес: { notice-place }
    С { $starts } до { $ends }.{ $reason ->
        [none] {""}
       *[other] {" "}Причина: { $reason }.
    }
notice-emergency-outage =
    ⚡ <b>Аварийное отключение электроэнергии</b>
    Адрес: { notice-place }
    Бригада уже работает. Ориентировочное время восстановления: { $ends }.{ $reason ->
        [none] {""}
       *[other] {" "}Причина: { $reason }.
    }
notice-power-restored =
    ✅ <b>Электроснабжение восстановлено</b>
    Адрес: { notice-place }
    Если у вас света всё ещё нет, сообщите нам: кнопка «Обращение» в меню.

notice-tariff =
    💡 <b>Изменение тарифов с { $effective }</b>
    { $text }

notice-readings-reminder =
    📟 <b>Пора передать показания счётчика</b>
    Показания принимаются с { $start } по { $end } число месяца. Передать их: /readings

notice-message =
    📢 <b>{ $topic }</b>
    { $text }

# Names of notice kinds and statuses, for reports (staff chat and command line).
notice-kind-debt = Задолженность
notice-kind-payment_due = Срок оплаты
notice-kind-tariff = Изменение тарифов
notice-kind-planned_outage = Плановое отключение
notice-kind-outage_evening = Плановое отключение (вечер накануне)
notice-kind-emergency_outage = Аварийное отключение
notice-kind-power_restored = Электроснабжение восстановлено
notice-kind-restriction = Предупреждение об ограничении
notice-kind-contract = Изменения договора
notice-kind-readings_reminder = Напоминание о показаниях
notice-kind-message = Сообщение подписчикам

notice-status-scheduled = запланировано
notice-status-queuing = ставится в очередь
notice-status-sending = отправляется
notice-status-done = отправлено
notice-status-cancelled = отменено

notice-report =
    <b>Уведомление № { $id }</b> — { $kind } ({ $status })
    Создано: { $created }{ $source ->
        [none] {""}
       *[other] {""}, источник: { $source }
    }
    Отправка с: { $send_at }
    Получателей: { $planned }
    Доставлено: { $sent } · заблокировали бота: { $blocked } · ошибка: { $failed } · ждут отправки: { $pending } · снято (отмена, отписка, нет чата): { $dropped }
    Первое отправлено: { $first } · последнее: { $last }{ $duration ->
        [none] {""}
       *[other] {""} (за { $duration })
    }
notice-report-outage = Отключение № { $id }: { notice-place }, с { $starts } до { $ends } ({ $status })
notice-report-none = —
notice-report-short = № { $id } · { $kind } · { $status } · { $send_at } · получателей { $planned }, доставлено { $sent }, ждут { $pending }
notice-report-empty = Уведомлений пока нет.

notice-import-summary =
    Принято строк: { $accepted }, отклонено: { $refused }.
    Будет уведомлено человек (по первому уведомлению): { $people }.{ $unreached ->
        [0] {""}
       *[other] {" "}Лицевых счетов без подписчиков в боте: { $unreached }.
    }
notice-import-planned = • { $kind }: { $at }
notice-import-planned-none = Уведомлений не запланировано: все даты уже прошли или в файле нет подходящих строк.
notice-import-dry-run = Пробный прогон: ничего не записано и не отправлено.
notice-import-done = Уведомления запланированы. Отчёт: /notice номер в чате сотрудников или reception notices show номер.

notice-outage-line = № { $id } · { $kind } · { notice-place } · с { $starts } до { $ends } ({ $status })
notice-outage-kind-planned = плановое
notice-outage-kind-emergency = аварийное
notice-outage-status-open = идёт или предстоит
notice-outage-status-closed = закрыто
notice-outage-status-cancelled = отменено
notice-outages-empty = Открытых отключений нет.
notice-not-found = Уведомления № { $id } нет или оно уже завершено.
notice-outage-not-open = Открытого отключения № { $id } нет.
notice-import-planned-group = • { $kind }: { $count } шт., с { $first } по { $last }
notice-outage-cancelled =
    ↩️ <b>Плановое отключение отменено</b>
    Адрес: { notice-place }
    Отключение с { $starts } до { $ends } не состоится.
notice-kind-outage_cancelled = Отключение отменено
notice-finished = 📬 <b>Рассылка завершена</b>
