mydata-title = <b>Что мы о вас храним</b>
mydata-consent-none = Согласие на обработку персональных данных: не давалось.
mydata-consent = Согласие на обработку персональных данных: { $decision ->
        [given] дано
        [declined] не дано
       *[withdrawn] отозвано
    } { $date } (текст версии { $version }).
mydata-consent-history = История решений о согласии:
mydata-consent-event = • { $date }: { $decision ->
        [given] дано
        [declined] не дано
       *[withdrawn] отозвано
    } (текст версии { $version })
mydata-appeals = Ваши обращения:
mydata-appeal = • № { $number } от { $date }: { $kind } — { $status }
mydata-appeals-none = Обращений нет.
mydata-readings = Переданные вами показания:
mydata-reading = • { $date }: счёт { $account }, прибор { $serial }, за { $period }: { $values } кВт·ч
mydata-readings-none = Переданных вами показаний нет.
mydata-bookings = Записи на приём:
mydata-booking = • { $date } — { $topic }, { $status ->
        [active] активна
        [cancelled] отменена
       *[moved] перенесена
    }, № { $number }: { $name }, { $phone }
mydata-bookings-none = Записей на приём нет.
mydata-notices = Уведомления, которые вы получаете: { $topic }.
mydata-notices-stopped = Уведомления: вы остановили все.
mydata-file-button = 📄 Получить всё файлом
mydata-file-caption = Всё, что мы о вас храним, на { $date } (ст. 14 № 152-ФЗ).
mydata-telegram-id = Ваш идентификатор в Telegram: { $id }.
mydata-accounts = Привязанные лицевые счета:
mydata-account = • № { $number } — { $name }, { $address } (привязан { $date })
mydata-accounts-none = Привязанных лицевых счетов нет.
mydata-contacts = Контакты, которые вы нам сообщили: ФИО { $name }, телефон { $phone }, e-mail { $email }.
mydata-contacts-none = Контактов, которые вы сообщили боту, нет.
mydata-dialog-yes = Есть незавершённое действие в боте (введённые, но ещё не отправленные данные).
mydata-dialog-no = Незавершённых действий нет.
mydata-footer = Данные используются только для ответов вам и не передаются третьим лицам, кроме случаев, предусмотренных законом.
mydata-withdraw-button = Отозвать согласие
mydata-withdraw-confirm =
    Отозвать согласие на обработку персональных данных?
    Мы отвяжем ваши лицевые счета, удалим ваши контакты и незавершённые действия. Справка останется доступной.
mydata-withdraw-yes = Да, отозвать
mydata-withdraw-no = Нет, оставить
mydata-withdraw-kept = Согласие остаётся в силе
mydata-withdrawn =
    Согласие отозвано. Отвязано лицевых счетов: { $accounts }; ваши контакты и незавершённые действия удалены.{ $bookings ->
        [0] {""}
       *[other] {" "}Отменено записей на приём: { $bookings }.
    }
    Мы храним только запись о том, когда вы дали и отозвали согласие, — она подтверждает законность обработки (152-ФЗ, ст. 9) и не используется ни для чего другого. Поданные обращения и переданные показания остаются в реестре: их учёт и хранение требуются законом (59-ФЗ, приказ Минэнерго № 186) и расчётами за электроэнергию.
    Справка по-прежнему доступна. Дать согласие снова можно командой /start.
mydata-files = Файлы, которые вы прислали (хранятся на серверах компании): { $count ->
    [0] нет
   *[other] { $count }
}
mydata-file = • { $kind } от { $date }, { $size } КБ, контрольная сумма SHA-256: <code>{ $sha256 }</code>
mydata-file-pending = ещё сохраняется
mydata-file-kind-photo = фото
mydata-file-kind-document = документ
mydata-file-kind-voice = голосовое сообщение
