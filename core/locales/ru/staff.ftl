# Staff chat (SPEC §3): the card, its buttons, the thread, staff commands.

staff-topic-name = { $number } · { $kind } · { $subject }

staff-button-take = 🙋 Взять
staff-button-assign = 👥 Назначить
staff-button-ask = ❓ Уточнить
staff-button-answer = ✉️ Ответить
staff-button-extend = ⏳ Продлить
staff-button-forward = ↪️ Переадресовать
staff-button-reject = ⛔ Отклонить
staff-button-close = ✅ Закрыть
staff-button-task-done = ✅ Выполнено
staff-button-send-answer = ✉️ Отправить как окончательный ответ
staff-button-send-question = ❓ Отправить как вопрос заявителю
staff-button-cancel = ✖️ Не отправлять
staff-button-send-file = 📎 Отправить заявителю
staff-button-back = ⬅️ Назад

staff-card-head = 📨 <b>{ $number }</b> · { $kind }
    Тема: { $subject }
staff-card-status = Статус: <b>{ $status }</b> · исполнитель: { $executor }
staff-card-nobody = не назначен
staff-card-due-open = Срок ответа: <b>{ $due }</b> ({ $state ->
        [today] сегодня
        [overdue] просрочено на { $days } дн.
       *[left] осталось { $days } дн.
    }){ $extended ->
        [yes] , продлён
       *[no] {""}
    }
staff-card-due = Срок ответа был: { $due }
staff-card-form = Зарегистрировано: { $registered }, { $form }
staff-card-received = Поступило: { $day }
staff-form-in_person = лично
staff-form-phone = по телефону
staff-form-internet = через бот
staff-form-post = почтой
staff-form-other = иным способом
staff-card-consumer = Заявитель: { $name }{ $account ->
        [none] {""}
       *[other] , л/с { $account }
    }
    Ответ: { $channel }{ $contact ->
        [none] {""}
       *[other] : { $contact }
    }
staff-card-vulnerable = ⚠️ Льготная категория: { $group } — ответ простым языком, по возможности в приоритете
staff-card-flag-repeat = 🔁 Возможно, повторное: см. { $number }
staff-card-flag-illegible = 📄 Текст не поддаётся прочтению: сообщить заявителю до { $date } (ч. 4 ст. 11 № 59-ФЗ) — /reject с этим основанием
staff-card-flag-obscene = 🚫 Возможна нецензурная лексика (п. 15.6)
staff-card-flag-outage = ⚡ Связана с известным отключением № { $id }: заявитель предупреждён, что о нём знают (reception outages)
staff-card-pp55 = ПП № 442 (ред. ПП № 55): нарушение { $time }; ЭПУ: { $device }; договор: { $contract }
staff-card-text = —
    { $text }{ $cut ->
        [yes] { staff-card-cut }
       *[no] {""}
    }
staff-card-cut = … (полный текст — в ветке ниже)
staff-card-undelivered = ⚠️ <b>Не доставлено заявителю в Telegram</b> — задача в ветке ({ $count })
staff-full-text = 📄 { $number }: полный текст обращения:
    { $text }
staff-card-voice = (голосовое сообщение — в ветке)
staff-card-attachments = 📎 Вложений: { $count } (в ветке ниже)
staff-card-ground = Основание: { $ground }
staff-card-rating = ⭐ Оценка заявителя: { $rating } из 5{ $resolved ->
        [yes] , вопрос решён
        [no] , вопрос не решён
       *[unknown] {""}
    }

staff-ground-obscene_or_threats = нецензурные или оскорбительные выражения, угрозы (п. 15.6)
staff-ground-illegible = текст не поддаётся прочтению (пп. 15.6, 15.7)
staff-ground-repeat_without_new_arguments = повторное без новых доводов (п. 15.8)
staff-ground-confidential = ответ раскрыл бы конфиденциальную информацию (п. 15.9)
staff-ground-no_contact_data = не указаны контактные данные (п. 15.10)

staff-attachment-caption = 📎 { $number }

staff-event-assign = 👥 { $number }: назначено исполнителю { $assignee } ({ $who })
staff-event-take = 🙋 { $number }: { $who } взял(а) в работу
staff-event-request_clarification = ❓ { $number }: { $who } спросил(а) заявителя:
    { $reason }
staff-event-receive_clarification = 💬 { $number }: ответ заявителя на вопрос:
    { $reason }
staff-event-add_information = ➕ { $number }: заявитель дополнил обращение:
    { $reason }
staff-event-answer = ✉️ { $number }: { $who } дал(а) окончательный ответ ({ $channel }):
    { $text }
staff-event-close = ✅ { $number }: закрыто ({ $who })
staff-event-extend = ⏳ { $number }: срок продлён на { $days } дн., до { $due } ({ $who }). Причина: { $reason }
staff-event-forward = ↪️ { $number }: направлено по компетенции: { $reason } ({ $who })
staff-event-reject = ⛔ { $number }: без ответа по существу — { $ground } ({ $who })
staff-event-reopen = ↩️ { $number }: заявитель возобновил обращение. { $reason }
staff-event-rate = ⭐ { $number }: заявитель оценил ответ на { $rating } из 5; обращение закрыто
staff-event-mark_illegible = 📄 { $number }: { $who } отметил(а), что текст не поддаётся прочтению; сообщить заявителю до { $date }
staff-event-register = 📨 { $number }: зарегистрировано

staff-survey = ⭐ { $number }: оценка { $rating } из 5{ $resolved ->
        [yes] , вопрос решён
        [no] , вопрос НЕ решён
       *[unknown] {""}
    }{ $comment ->
        [none] {""}
       *[other] . Комментарий: { $comment }
    }

email-robot = бот (электронная почта)
email-answer-body = Здравствуйте, { $name }!

    Ответ на ваше обращение № { $number }:

    { $answer }

    { $signature }
staff-undelivered = ⚠️ { $number }: { $action ->
        [answer] ответ не доставлен
        [clarification] вопрос заявителю не доставлен
        [extension] уведомление о продлении срока не доставлено
        [forward] уведомление о направлении по компетенции не доставлено
        [rejection] уведомление об оставлении без ответа по существу не доставлено
       *[file] файл заявителю не доставлен
    }: { $reason ->
        [blocked] потребитель заблокировал бота
        [dropped] чат потребителя в Telegram не найден
       *[failed] Telegram не принял сообщение
    }.
    Сообщите заявителю ({ $name }) другим способом{ $address ->
        [none] {""}
       *[other] , адрес: { $address }
    }{ $account ->
        [none] {""}
       *[other] , лицевой счёт: { $account }
    }{ $contact ->
        [none] {""}
       *[other] , контакт: { $contact }
    } — и нажмите «Выполнено».
staff-task-undelivered-done = ✅ { $number }: заявителю сообщили другим способом, отметил(а) { $who }

# The consumer's side.
consumer-clarification = ❓ По обращению <b>№ { $number }</b> специалисту нужны уточнения:
    { $question }

    Нажмите кнопку ниже и напишите ответ (можно приложить фото или документ). Срок ответа на обращение при этом не меняется.
clarify-button = ✍️ Ответить на вопрос
clarify-ask = Напишите ответ на вопрос по обращению № { $number }. Можно приложить фото или документ. Отмена — /cancel.
clarify-sent = Спасибо, ваш ответ передан специалисту по обращению № { $number }.
consumer-answer = ✉️ <b>Ответ на обращение № { $number }</b>

    { $answer }

    { $signature }
consumer-file = 📎 Материал по обращению № { $number }
consumer-answer-elsewhere = ✉️ По обращению № { $number } подготовлен ответ; он будет направлен выбранным вами способом: { $channel }.
consumer-extended = ⏳ Срок рассмотрения обращения № { $number } продлён до <b>{ $due }</b>. Причина: { $reason }
consumer-forwarded = ↪️ Вопрос из обращения № { $number } не относится к компетенции нашей организации. Обращение направлено: { $where }
consumer-rejected-obscene_or_threats = Обращение № { $number } оставлено без ответа по существу: оно содержит нецензурные или оскорбительные выражения либо угрозы жизни, здоровью или имуществу (п. 15.6 Положения). Напоминаем, что злоупотребление правом на обращение недопустимо (ч. 3 ст. 11 Федерального закона № 59-ФЗ). Вы можете подать новое обращение без таких выражений.
consumer-rejected-illegible = Текст обращения № { $number } не удалось прочитать (пп. 15.6–15.7 Положения). Пожалуйста, подайте обращение заново, изложив суть понятно.
consumer-rejected-repeat_without_new_arguments = Вопрос из обращения № { $number } уже был рассмотрен: ответ по существу дан на ваше прежнее обращение{ $earlier ->
        [none] {""}
       *[other] {" "}№ { $earlier }
    }, новых доводов нет (п. 15.8 Положения, ч. 5 ст. 11 Федерального закона № 59-ФЗ). Решением руководителя переписка по этому вопросу прекращена. Прежний ответ — в разделе «Мои обращения».
consumer-rejected-confidential = По обращению № { $number } ответ по существу дать нельзя: он раскрыл бы конфиденциальную информацию (п. 15.9 Положения).
consumer-rejected-no_contact_data = Обращение № { $number } не может быть рассмотрено: в нём нет контактных данных для ответа (п. 15.10 Положения).

survey-ask-rating = Оцените, пожалуйста, ответ на обращение № { $number }: 1 — очень плохо, 5 — отлично.
survey-ask-resolved = Спасибо за оценку! Ваш вопрос решён?
survey-yes = Да
survey-no = Нет
survey-ask-comment = Если хотите, напишите комментарий к ответу одним сообщением — или нажмите «Пропустить».
survey-skip = Пропустить
survey-thanks = Спасибо! Ваш отзыв учтён. Если вопрос не решён, обращение можно возобновить в разделе «Мои обращения».
survey-error-rating = Оценка — число от 1 до 5.
survey-error-closed = Ответ уже оценён, спасибо.

# Staff prompts and replies.
staff-only = Это действие доступно только сотрудникам.
staff-no-appeal = Не понял, к какому обращению это относится: ответьте на карточку или сообщение обращения либо напишите в его теме.
staff-prompt-ask = { $number }: напишите вопрос заявителю следующим сообщением (ответом на это). Отмена — /cancel.
staff-prompt-answer = { $number }: напишите текст окончательного ответа следующим сообщением (ответом на это). Подпись из профиля добавится сама. Отмена — /cancel.
staff-prompt-extend = { $number }: напишите, на сколько дней продлить (1–30) и причину, например: <code>10 нужен выезд на место</code>. Отмена — /cancel.
staff-forward-term-ends = ⚠️ Переадресовать можно только до <b>{ $date }</b> включительно (7 дней со дня регистрации, ч. 3 ст. 8 Федерального закона № 59-ФЗ).
staff-prompt-forward = { $number }: напишите, куда направлено обращение (организация и адрес). Отмена — /cancel.
staff-prompt-repeat = { $number }: напишите номер прежнего обращения, на которое уже дан ответ. Отмена — /cancel.
staff-prompt-file = { $number }: отправить этот файл заявителю в чат?
staff-error-no-chat = Обращение поступило не через бот: файл приложите к письму или ответу по почте.
staff-prompt-choose = { $number }: что сделать с этим сообщением?
staff-preview-answer = { $number }: проверьте окончательный ответ. Так его увидит заявитель:

    { $answer }

    { $signature }
staff-pick-department = { $number }: выберите отдел.
staff-pick-executor = { $number }: выберите исполнителя.
staff-pick-ground = { $number }: выберите основание (пп. 15.6–15.10 Положения).
staff-all-executors = Все сотрудники
staff-no-departments = Отделов пока нет. Администратор добавляет их командой /department Название.
staff-no-executors = В этом отделе нет сотрудников с профилем. Администратор назначает отдел командой /setdept.
staff-done = Готово.
staff-cancelled = Отменено.
staff-extend-invalid = Напишите число дней от 1 до 30 и причину, например: <code>10 нужен выезд на место</code>.
staff-note-saved = 📝 Заметка сохранена (заявителю не отправляется).
staff-error-role = Для этого действия нужна роль: { $value ->
        [head] руководитель
        [admin] администратор
       *[other] { $value }
    }.
staff-error-not-found = Сотрудник не найден: сначала он заполняет профиль командой /profile.
staff-error-department-not-found = Нет такого отдела. Список — /departments.
staff-error-text-required = Напишите текст.
staff-help = <b>Команды сотрудника</b> (ответом на карточку или в теме обращения):
    /take — взять в работу
    /assign — назначить исполнителя (руководитель)
    /ask текст — вопрос заявителю
    /answer текст — окончательный ответ (с подтверждением)
    /extend дни причина — продлить срок (руководитель, один раз)
    /forward куда — переадресовать по компетенции
    /reject — отклонить с основанием
    /close — закрыть
    /card — показать карточку заново
    /illegible — текст не поддаётся прочтению: сообщить заявителю в 7 дней (ч. 4 ст. 11)
    /rating 1-5 [решён|не решён] [телефон|письмо|e-mail] — оценка ответа, которую заявитель дал по телефону, письмом или по e-mail
    !текст — внутренняя заметка, заявителю не уходит
    <b>Общие</b>
    /register — зарегистрировать обращение, поступившее по телефону, почтой или лично
    /profile ФИО; должность; телефон; e-mail — ваш профиль (подпись ответов)
    /staff — сотрудники и роли, /departments — отделы
    /department Название, /setrole id роль, /setdept id отдел, /depthead отдел id — для администратора
    /digest — сводка по срокам
    /web — рабочий стол в браузере: ссылка для входа придёт в личный чат
    <b>Показания и приём</b>
    /readings 2026-11 — показания за месяц файлом для расчётов
    /reading счёт счётчик Т1 [Т2 [Т3]] [phone|in_person] — показания, принятые по телефону или лично
    /today, /day 2026-12-03 — кто записан на приём
    /book 2026-12-03 10:00 тема ФИО; телефон — записать звонящего
    /unbook номер — отменить запись (заявитель получит сообщение)
    <b>Уведомления подписчикам</b> (рассылать, подтверждать, останавливать, «свет дали» — руководитель или роль, заданная в настройке MASS_NOTICE_ROLE; черновик подтверждает или отменяет его автор или руководитель)
    /import debts|outages|tariffs|restrictions — подписью к файлу CSV: проверка, затем подтверждение
    /notify тема текст — разовое уведомление подписчикам темы (с предпросмотром)
    /notices — последние уведомления, /notice номер — отчёт и остановка рассылки
    /outages — открытые отключения, /outage_close номер — «свет дали»
staff-command-take = взять обращение в работу
staff-command-assign = назначить исполнителя
staff-command-ask = задать вопрос заявителю
staff-command-answer = окончательный ответ
staff-command-extend = продлить срок (дни причина)
staff-command-forward = переадресовать по компетенции
staff-command-reject = отклонить с основанием
staff-command-close = закрыть обращение
staff-command-card = показать карточку заново
staff-command-illegible = текст не читается (сообщить в 7 дней)
staff-command-rating = оценка ответа, данная по телефону, письмом, по e-mail
staff-rating-usage = Формат: <code>/rating 1-5 [решён|не решён] [телефон|письмо|e-mail]</code>, например <code>/rating 4 решён телефон</code> — ответом на карточку или в теме обращения. Канал можно не указывать, если оценка пришла тем же путём, что и ответ.
staff-rating-channel = Ответ по этому обращению ушёл в чат бота: укажите, как пришла оценка — <code>телефон</code>, <code>письмо</code> или <code>e-mail</code>.
staff-rating-done = Оценка по обращению { $number } записана: { $rating } из 5{ $resolved ->
        [true] , вопрос решён
        [false] , вопрос не решён
       *[none] {""}
    } (получена: { $channel }).
staff-command-register = зарегистрировать обращение с телефона, почты, приёма
staff-command-digest = сводка по срокам
staff-command-profile = мой профиль (подпись ответов)
staff-command-staff = сотрудники и роли
staff-command-help = команды сотрудника
staff-command-cancel = отменить ввод
staff-command-readings = показания за месяц файлом (/readings 2026-11)
staff-command-reading = внести показания, принятые по телефону или лично
staff-command-today = записи на приём сегодня
staff-command-day = записи на приём на дату (/day 2026-12-03)
staff-command-book = записать звонящего на приём
staff-reading-usage = Формат: <code>/reading ЛИЦЕВОЙ_СЧЁТ НОМЕР_СЧЁТЧИКА Т1 [Т2 [Т3]] [phone|in_person]</code>, например <code>/reading 1000000001 0123456 12345,6 phone</code> (значения без пробелов внутри). Если счётчик перешёл через ноль, добавьте <code>rollover</code>; если потребление необычно велико и заявитель его подтвердил — <code>confirm</code>.
staff-day-usage = Не понял день. Например: <code>/day 2026-12-03</code>, <code>/day 03.12</code>, <code>/day завтра</code>, <code>/day пятница</code> (или /today).
staff-book-usage = Формат: <code>/book день время тема ФИО; телефон</code>, день — как в /day (2026-12-03, 03.12, завтра, пятница), время — 10:00 или 10.30, тема: grid_connection, contracts, metering, other. Например: <code>/book завтра 10:00 metering Иванова Мария Петровна; +7 920 000-00-01</code>
staff-command-unbook = отменить запись на приём по номеру
staff-unbook-usage = Формат: <code>/unbook З-2026-000045</code>
staff-unbooked = Запись № { $number } на { $when } отменена, место освобождено.
staff-readings-file = Показания за { $period }: строк { $count }.
staff-booked = Записан(а): № <b>{ $number }</b>, { $when }.
staff-profile-saved = Профиль сохранён: { $name }, { $position }, { $phone }{ $email ->
        [none] {""}
       *[other] , { $email }
    }.
staff-profile-usage = Формат: <code>/profile Иванова Анна Сергеевна; ведущий специалист; +7 831 000-00-00; ivanova@example.ru</code>
staff-list-title = <b>Сотрудники</b>
staff-list-item = { $user_id } — { $name } ({ $role }{ $department ->
        [none] {""}
       *[other] , { $department }
    })
staff-list-empty = Профилей пока нет: каждый сотрудник заполняет свой командой /profile.
staff-role-specialist = специалист
staff-role-head = руководитель
staff-role-admin = администратор
staff-departments-title = <b>Отделы</b>
staff-department-item = { $id } — { $name }
staff-department-added = Отдел добавлен: { $id } — { $name }
staff-setrole-usage = Формат: <code>/setrole 123456789 head</code> (specialist, head, admin)
staff-setdept-usage = Формат: <code>/setdept 123456789 2</code> (номер отдела из /departments)

# Registering an appeal received by phone, post or in person.
staff-register-form = Новое обращение в журнал. Как оно поступило?
staff-register-name = ФИО заявителя:
staff-register-received = Когда обращение поступило? Например: <code>сегодня</code>, <code>вчера</code>, <code>3 дня назад</code>, <code>01.12</code>.
staff-register-received-invalid = Не удалось понять дату поступления. Напишите день не позже сегодняшнего и не раньше чем год назад, например: <code>вчера</code>, <code>3 дня назад</code> или <code>01.12</code>.
staff-register-late = ⚠️ Обращение регистрируется через { $days } дн. после поступления: по ч. 2 ст. 8 Федерального закона № 59-ФЗ регистрация — в течение 3 дней. Дата поступления сохранится отдельно.
staff-register-received-line = Поступило: { $date }
staff-register-written-hint = Если в письме этого нет, напишите <code>-</code>: обращение будет зарегистрировано и закрыто без ответа по п. 15.10 Положения.
staff-register-not-given = не указано
staff-register-channel = Как направить ответ?
staff-register-contact-post = Почтовый адрес для ответа:
staff-register-contact-email = Адрес электронной почты для ответа:
staff-register-contact-phone = Телефон для ответа:
staff-register-kind = Вид обращения:
staff-register-subject = Тема обращения:
staff-register-text = Текст обращения (кратко суть, как изложил заявитель):
staff-register-confirm = Проверьте:
    { $form }; { $name }; ответ: { $channel } { $contact }
    { $kind } / { $subject }
    { $text }
staff-register-save = ✅ Зарегистрировать
staff-register-done = Зарегистрировано: <b>{ $number }</b>, срок ответа { $due }. Карточка появится в чате.

# Deadline control (SPEC §4).
deadline-d5 = ⏳ { $number }: до срока ответа 5 рабочих дней (срок { $due }). Исполнитель: { $executor }.
deadline-d1 = ⚠️ { $number }: срок ответа — <b>{ $due }</b>, остался последний рабочий день. Исполнитель: { $executor }.
deadline-early = ⏳ { $number }: до <b>{ $date }</b> (7 дней с регистрации) — последний срок, чтобы переадресовать обращение не по компетенции (ч. 3 ст. 8 Федерального закона № 59-ФЗ) и сообщить заявителю, что текст не поддаётся прочтению (ч. 4 ст. 11). Исполнитель: { $executor }.
deadline-illegible-overdue = 🔴 { $number }: текст признан не поддающимся прочтению, а заявителю не сообщено в 7 дней с регистрации (до { $date }, ч. 4 ст. 11 Федерального закона № 59-ФЗ) — срок пропущен. Сообщите: /reject с основанием «текст не поддаётся прочтению». Исполнитель: { $executor }.
deadline-overdue = 🔴 { $number }: срок ответа пропущен ({ $due }). Исполнитель: { $executor }.
digest-title = <b>Сводка на { $date }</b>
digest-due-today = Срок сегодня: { $count }
digest-overdue = Просрочено: { $count }
digest-unassigned = Без исполнителя: { $count }
digest-item = • { $number } — срок { $due }, { $executor }
digest-none = нет
staff-button-identity = 🔒 Паспортные данные (ПП № 55)
staff-card-pp55-sealed = 🔒 Указаны (зашифрованы): { $items }
staff-card-pp55-missing = ⚠️ Потребитель пришлёт позже: { $items }. Запросить — кнопкой «❓ Уточнить» или командой /ask в теме обращения.
staff-identity = Паспорт: { $passport }
    Дата рождения: { $born }
    Место рождения: { $place }

# The card's look-ups (handlers/staff/lookups.py): the appellant's other appeals, the account's readings.
staff-button-others = 🗂 Другие обращения
staff-button-readings = 📟 Показания
staff-others-none = { $number }: других обращений у заявителя нет.
staff-others-title = { $number }: другие обращения заявителя (по Telegram и лицевому счёту), последние { $count }:
staff-others-line = <code>{ $number }</code> · { $date } · { $status } · { $subject }
staff-readings-no-account = { $number }: в обращении не указан лицевой счёт — показаний не найти.
staff-readings-none = { $number }: по лицевому счёту { $account } показаний нет.
staff-readings-title = { $number }: показания по лицевому счёту { $account }, последние { $count }:
staff-readings-line = { $date } · счётчик { $serial } · { $values } · { $channel }
staff-register-measures = 📋 Меры и договор (реестр 4.9)
staff-register-measures-taken = Какие меры по обращению уже приняты? Напишите текст (не больше { $max } знаков) или <code>-</code>, если никаких.
staff-register-measures-planned = Какие меры запланированы? Напишите текст (не больше { $max } знаков) или <code>-</code>, если никаких.
staff-register-measures-now = Сейчас: { $text }
staff-register-measures-keep = Оставить как есть
staff-register-measures-long = Слишком длинно: { $length } знаков, а в реестр помещается не больше { $max }. Сократите текст и отправьте ещё раз.
staff-register-contract = Привело ли обращение к заключению договора (на технологическое присоединение или на оказание услуг по передаче электроэнергии)?
staff-register-contract-yes = Да
staff-register-contract-no = Нет
staff-register-measures-lines = Меры приняты: { $done }
    Меры запланированы: { $planned }
    Договор заключён: { $contract }
