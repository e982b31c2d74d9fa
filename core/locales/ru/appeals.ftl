appeal-number-prefix-default = ВЭ

menu-appeal = 📝 Подать обращение
menu-my-appeals = 📋 Мои обращения

appeal-kind-complaint = Жалоба или претензия
appeal-kind-application = Заявление или заявка
appeal-kind-information_request = Вопрос (запрос информации)
appeal-kind-suggestion = Предложение
appeal-kind-gratitude = Благодарность
appeal-kind-feedback = Отзыв

appeal-subject-transmission = Передача электроэнергии
appeal-subject-grid_connection = Технологическое присоединение
appeal-subject-metering = Учёт электроэнергии, счётчики
appeal-subject-service_quality = Качество обслуживания
appeal-subject-grid_maintenance = Обслуживание сетей
appeal-subject-other = Другое
appeal-subject-transmission_quality = Надёжность электроснабжения
appeal-subject-power_quality = Качество электроэнергии (напряжение)
appeal-subject-connection_application = Заявка на присоединение
appeal-subject-transmission_contract = Договор на передачу электроэнергии
appeal-subject-metering_organisation = Установка или замена счётчика

appeal-status-registered = зарегистрировано
appeal-status-assigned = передано исполнителю
appeal-status-in_progress = в работе
appeal-status-clarification_requested = нужны уточнения
appeal-status-answered = дан ответ
appeal-status-closed = закрыто
appeal-status-forwarded = направлено по компетенции
appeal-status-rejected = оставлено без ответа по существу

appeal-channel-chat = В этот чат
appeal-channel-email = По электронной почте
appeal-channel-post = Письмом по почте
appeal-channel-phone = По телефону

appeal-vulnerable-pensioner = Пенсионер
appeal-vulnerable-needs_help = Нужна помощь / особые условия
appeal-vulnerable-veteran = Ветеран
appeal-vulnerable-large_family = Многодетная семья
appeal-vulnerable-small_business = Малый бизнес без юриста
appeal-vulnerable-none = Не указывать

appeal-ask-kind = <b>Новое обращение.</b> Что вы хотите направить? Прервать можно в любой момент кнопкой «✖️ Отмена» или командой /cancel.
appeal-kind-prompt = Выберите вид обращения:
appeal-ask-subject = Выберите тему обращения:
appeal-ask-text = Опишите суть обращения своими словами — от { $min } до { $max } знаков. Можно отправить голосовое сообщение: его прослушает специалист.
appeal-text-too-short = Слишком коротко: напишите хотя бы { $min } знаков, чтобы мы поняли, о чём речь.
appeal-text-too-long = Текст длиннее { $max } знаков ({ $length }). Ничего не потеряно — выберите, как поступить:
appeal-text-trim = Сократить до { $max } знаков
appeal-text-split = Остаток отправить дополнением
appeal-text-saved-voice = Голосовое сообщение сохранено — специалист его прослушает.
appeal-ask-attachments = Приложите фото или документы, если они есть: до { $max } файлов, до { $mb } МБ каждый. Можно альбомом. Когда закончите — нажмите «Готово».
appeal-attachment-added = Файл добавлен ({ $count } из { $max }). Отправьте ещё или нажмите «Готово».
appeal-album-added = Альбом принимаю. Отправьте ещё файлы или нажмите «Готово».
appeal-attachment-too-large = Файл больше { $mb } МБ — его не принять. Отправьте файл поменьше.
appeal-attachment-too-many = Уже приложено { $max } файлов — это максимум. Нажмите «Готово».
appeal-attachments-done = Готово
appeal-attachments-skip = Без файлов
appeal-ask-full-name = Ваши фамилия, имя и отчество. Без ФИО обращение не может быть рассмотрено (п. 15.10 Положения, 59-ФЗ).
appeal-full-name-invalid = Напишите фамилию и имя (и отчество, если есть), например: Иванова Мария Петровна.
appeal-use-button = Как в лицевом счёте: { $value }
appeal-ask-address = Адрес, к которому относится обращение (населённый пункт, улица, дом, квартира). Если адрес ни при чём — нажмите «Пропустить».
appeal-skip = Пропустить
appeal-ask-channel = Как вам удобнее получить ответ?
appeal-ask-email = Напишите адрес электронной почты для ответа:
appeal-ask-phone = Напишите номер телефона для ответа, например +7 920 000-00-00:
appeal-ask-post = Напишите почтовый адрес для ответа с индексом:
appeal-post-invalid = Напишите полный почтовый адрес: индекс, населённый пункт, улицу, дом.
contact-error-invalid-phone = Это не похоже на российский номер телефона. Пример: +7 920 000-00-00 или 8 920 000 00 00.
contact-error-invalid-email = Это не похоже на адрес электронной почты. Пример: ivanova@mail.ru
appeal-ask-vulnerable = Относитесь ли вы к одной из этих категорий? Это поможет нам ответить понятнее и, где можно, быстрее (п. 5.1, 10.1 Положения). Можно не указывать.
appeal-summary-title = <b>Проверьте обращение перед отправкой</b>
appeal-summary =
    Вид: { $kind }
    Тема: { $subject }
    Текст: { $text }
    Файлы: { $files }
    ФИО: { $name }
    Адрес: { $address }
    Ответ: { $channel }
    Категория: { $vulnerable }
appeal-summary-pp55 =
    Время нарушения: { $time }
    Адрес устройства: { $device }
    Договор: { $contract }
appeal-summary-submit = ✅ Отправить
appeal-summary-hint = Нажмите «Отправить» или выберите, что исправить.
appeal-edit-kind = ✏️ Вид и тема
appeal-edit-text = ✏️ Текст
appeal-edit-files = ✏️ Файлы
appeal-edit-name = ✏️ ФИО
appeal-edit-address = ✏️ Адрес
appeal-edit-channel = ✏️ Способ ответа
appeal-edit-vulnerable = ✏️ Категория
appeal-none = —
appeal-voice-text = (голосовое сообщение)
appeal-registered =
    ✅ <b>Обращение зарегистрировано.</b>
    Номер: <code>{ $number }</code> от { $date } (нажмите на номер, чтобы скопировать).
    Ответ — не позднее <b>{ $due }</b> ({ $channel }).
    Что дальше: обращение передано специалисту. Статус и ответ — в разделе «📋 Мои обращения». Если понадобятся уточнения, мы напишем сюда.
# The same when no staff chat is set (STAFF_CHAT_ID): nobody has been handed the appeal, so the
# bot does not say so; it is in the company's registry (`reception export appeals`).
appeal-registered-no-staff =
    ✅ <b>Обращение зарегистрировано.</b>
    Номер: <code>{ $number }</code> от { $date } (нажмите на номер, чтобы скопировать).
    Ответ — не позднее <b>{ $due }</b> ({ $channel }).
    Что дальше: обращение внесено в реестр обращений. Статус и ответ — в разделе «📋 Мои обращения». Если понадобятся уточнения, мы напишем сюда.
appeal-registered-rest-added = Остаток текста добавлен к обращению как дополнение.
appeal-already-registered =
    Это обращение уже зарегистрировано: № <code>{ $number }</code>, ответ — не позднее <b>{ $due }</b>.
    Статус: { $status }. Подробности — в разделе «📋 Мои обращения».
appeal-legal-ground = Обращение рассматривается по Федеральному закону № 59-ФЗ «О порядке рассмотрения обращений граждан»: ваши ФИО, контакты и текст нужны, чтобы ответить вам, и обрабатываются на этом основании (п. 2 ч. 1 ст. 6 № 152-ФЗ), отдельного согласия не требуется. Обращения хранятся 5 лет после рассмотрения, затем обезличиваются.
appeal-dialog-text-expected = Пожалуйста, ответьте текстом или кнопками под сообщением. «⬅️ Назад» — на шаг назад, /cancel — прервать.

appeals-none = У вас пока нет обращений. Подать — кнопка «📝 Подать обращение».
appeals-list-title = <b>Ваши обращения</b> (всего { $total }, страница { $page } из { $pages }):
appeals-list-item = № { $number } — { $kind }, { $status }, ответ до { $due }
appeals-prev = ⬅️ Раньше
appeals-next = Дальше ➡️
appeal-details =
    <b>Обращение № { $number }</b> от { $date }
    Вид: { $kind }. Тема: { $subject }.
    Статус: <b>{ $status }</b>. Ответ — не позднее { $due }.
    Текст: { $text }
    Файлов: { $files }
appeal-details-history = <b>История:</b>
appeal-history-line = { $date } — { $action }{ $reason }
appeal-details-answer = <b>Ответ:</b> { $answer }
appeal-action-register = зарегистрировано
appeal-action-assign = передано исполнителю
appeal-action-take = взято в работу
appeal-action-request_clarification = запрошены уточнения
appeal-action-receive_clarification = получены уточнения
appeal-action-answer = дан ответ
appeal-action-close = закрыто
appeal-action-extend = срок продлён
appeal-action-forward = направлено по компетенции
appeal-action-reject = оставлено без ответа по существу
appeal-action-reopen = возобновлено
appeal-action-add_information = вы дополнили обращение
appeal-action-rate = вы оценили ответ
appeal-action-mark_illegible = текст не удалось прочитать
appeal-add-info-button = ➕ Дополнить
appeal-reopen-button = ↩️ Возобновить
appeal-back-to-list = ⬅️ К списку
appeal-ask-add-info = Напишите, что добавить к обращению № { $number }. Можно прислать фото или документ с подписью.
appeal-info-added = Дополнение к обращению № { $number } сохранено.
appeal-reopened = Обращение № { $number } возобновлено — специалист вернётся к нему.
appeal-not-found = Обращение не найдено.

appeal-error-illegal-transition = Сейчас это действие с обращением недоступно.
appeal-error-action-not-allowed = Это действие вам недоступно.
appeal-error-already-extended = Срок ответа уже продлевался: продлить можно только один раз.
appeal-error-extension-too-long = Продлить можно не более чем на { $value } дней.
appeal-error-extension-too-short = Продлить можно минимум на 1 день.
appeal-error-extension-after-due = Срок ответа уже истёк: продлить его можно только до окончания срока (ч. 2 ст. 12 Федерального закона № 59-ФЗ). Просрочка остаётся в истории обращения.
appeal-error-forward-too-late = Переадресовать можно только в течение 7 дней со дня регистрации (ч. 3 ст. 8 Федерального закона № 59-ФЗ). Этот срок истёк: ответьте на обращение по существу.
appeal-error-received-after-registration = Дата поступления не может быть позже даты регистрации.
appeal-error-ground-required = Укажите одно основание из пп. 15.6–15.10 Положения.
appeal-error-linked-appeal-required = Для повторного обращения укажите номер прежнего.
appeal-error-reopen-window-closed = Возобновить можно только в течение установленного срока после ответа. Подайте, пожалуйста, новое обращение.
appeal-error-empty-answer = Ответ не может быть пустым.
appeal-error-anonymous = Обращение без ФИО или без способа связи не может быть рассмотрено (п. 15.10 Положения).
appeal-error-text-too-short = Текст обращения слишком короткий.
appeal-error-text-too-long = Текст обращения слишком длинный.
appeal-error-too-many-attachments = Слишком много файлов: не больше { $value }.
appeal-error-attachment-too-large = Файл слишком большой.
appeal-error-invalid-number = Неверный номер обращения.

# Files people send (152-ФЗ ст. 18 ч. 5): refused before they are taken.
file-too-large = Файл больше { $mb } МБ — его не принять. Отправьте файл поменьше.
file-type-refused = Такой файл не принять: пришлите фото, PDF, документ Word или Excel, текстовый файл или голосовое сообщение.
