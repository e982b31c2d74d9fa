# Notices to appellants without Telegram: tasks in the thread (notifier/appeal_notices.py),
# the letters' words (notifier/appellant_letters.py), e-mail, the survey's offer.

notice-kind = { $kind ->
        [answer] ответ
        [clarification] запрос уточнений
        [extension] продление срока
        [forward] направление по компетенции
        [rejection] оставление без ответа по существу
       *[other] уведомление
    }
staff-notice-task = { $channel ->
        [post] 📮 { $number }: отправьте письмо ({ $what }) по адресу: { $contact } ({ $name }) и нажмите «Выполнено».
        [phone] 📞 { $number }: позвоните заявителю { $name } по номеру { $contact }, сообщите ({ $what }) и нажмите «Выполнено».
        [email-auto] 📧 { $number }: бот отправляет письмо ({ $what }) на { $contact } ({ $name }); отметка «выполнено» появится сама. Если её нет дольше часа — отправьте вручную и нажмите «Выполнено».
       *[email] 📧 { $number }: отправьте письмо ({ $what }) по электронной почте на { $contact } ({ $name }) и нажмите «Выполнено».
    }
    Текст:

    { $text }
staff-task-done = ✅ { $number }: { $what } — отправлено ({ $channel }), отметил(а) { $who }
staff-email-failed = ⚠️ { $number }: письмо на { $contact } бот отправить не смог ({ $reason }). Отправьте его вручную или сообщите заявителю иначе — и нажмите «Выполнено».
staff-card-task = { $state ->
        [done] ☑️
       *[other] ⬜️
    } { registry-task }

email-notice-subject = { $kind ->
        [answer] Ответ на обращение № { $number }
        [clarification] Обращение № { $number }: нужны уточнения
        [extension] Обращение № { $number }: срок рассмотрения продлён
        [forward] Обращение № { $number }: направлено по компетенции
        [rejection] Обращение № { $number }
       *[other] Обращение № { $number }
    }

letter-greeting = Здравствуйте, { $name }!

    { $text }
letter-clarification = По обращению № { $number } специалисту нужны уточнения:
    { $question }

    Пожалуйста, сообщите их { $channel ->
        [email] ответом на это письмо
        [phone] по телефону, указав номер обращения
       *[post] письмом по адресу организации, указав номер обращения
    }. Срок ответа на обращение при этом не меняется.
letter-rejected-repeat = Вопрос из обращения № { $number } уже был рассмотрен: ответ по существу дан на ваше прежнее обращение, новых доводов нет (п. 15.8 Положения).
letter-survey-email = Пожалуйста, оцените ответ: напишите в ответ на это письмо оценку от 1 (очень плохо) до 5 (отлично) и решён ли ваш вопрос.
letter-survey-call = В конце разговора спросите оценку ответа от 1 до 5 и решён ли вопрос.
registry-task = { $channel ->
        [post] письмо
        [phone] звонок
       *[email] e-mail
    }: { $what } — { $state ->
        [done] выполнено { $done }
        [retry] не отправлено, попыток: { $attempts }
       *[other] не выполнено
    }
registry-export-done = Записано строк: { $rows } за период { $start } — { $end }: { $path }
registry-export-failed = Не удалось записать файл { $path }: { $problem }
registry-export-bad-date = Дата должна быть в виде ГГГГ-ММ-ДД, например 2026-12-01.
