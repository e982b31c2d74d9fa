# Notices from the staff chat (SPEC §8): /import, /notify, /notices, /notice, /outages,
# /outage_close (handlers/staff_notices.py).

staff-notice-import-usage =
    <b>Загрузка файла для уведомлений</b>
    Отправьте CSV-файл в этот чат документом с подписью <code>/import ВИД</code> (не больше { $max } МБ, UTF-8, разделитель — запятая или точка с запятой, первая строка — заголовок). Виды и заголовки:
    • <code>/import debts</code> — задолженность: <code>account,amount,as_of,due_date</code>
    • <code>/import outages</code> — плановые и аварийные отключения: <code>settlement,street,houses,starts_at,ends_at,kind,reason</code>
    • <code>/import tariffs</code> — изменение тарифов: <code>text,effective_date</code>
    • <code>/import restrictions</code> — предупреждения об ограничении: <code>account,planned_date,amount</code>
    Сначала бот проверит файл и покажет, что и кому будет отправлено; ничего не уйдёт, пока вы не нажмёте «Запланировать».
staff-notice-file-too-big = Файл больше { $max } МБ — такой не принимаю. Разделите его на несколько файлов и отправьте по очереди.
staff-notice-file-failed = Не удалось получить файл от Telegram. Отправьте его ещё раз.
staff-notice-import-kind-debts = задолженность
staff-notice-import-kind-outages = отключения
staff-notice-import-kind-tariffs = изменение тарифов
staff-notice-import-kind-restrictions = предупреждения об ограничении
staff-notice-import-head = <b>Файл «{ $name }»</b> ({ $kind }): пробный прогон
staff-notice-import-nothing = В файле нет строк, которые можно принять: исправьте его и отправьте снова.
staff-notice-import-confirm = Планировать уведомления по этому файлу?
staff-notice-import-result-head = <b>Файл «{ $name }»</b> ({ $kind }): загружен

staff-notice-notify-usage =
    <b>Сообщение подписчикам темы</b>
    Напишите <code>/notify ТЕМА</code> и с новой строки — текст (не длиннее { $max } знаков). Бот покажет, как сообщение увидят подписчики и сколько их, и отправит только после кнопки «Отправить». Темы:
staff-notice-topic-line = • <code>{ $topic }</code> — { $name }
staff-notice-unknown-topic = Нет темы «{ $topic }».
staff-notice-empty-text = Нет текста сообщения.
staff-notice-too-long = Текст длиннее { $max } знаков: в нём { $length }. Сократите его.
staff-notice-preview-head = <b>Предпросмотр.</b> Так сообщение увидят подписчики темы «{ $name }»:
staff-notice-preview-foot = Получат: { $count } чел. — все, кто дал согласие и не отключил эту тему. Отправить?

staff-notice-button-schedule = Запланировать
staff-notice-button-send = Отправить
staff-notice-button-cancel = Отмена
staff-notice-button-refresh = Обновить
staff-notice-button-stop = Остановить рассылку
staff-notice-button-restored = Свет дали (№ { $id })

staff-notice-already = Уже обработано
staff-notice-not-author = Подтвердить или отменить черновик может его автор или руководитель.
staff-notice-confirmed = ✔️ Подтверждено.
staff-notice-cancelled = ✖️ Отменено: ничего не запланировано и не отправлено.
staff-notice-updated = Обновлено
staff-notice-stopped = Рассылка остановлена
staff-notice-done = Готово

staff-notice-list-title = <b>Последние уведомления</b> (подробнее: /notice номер)
staff-notice-outages-title = <b>Открытые отключения</b> — когда свет дадут, нажмите кнопку: всем, кто получил уведомление об отключении, придёт сообщение «Электроснабжение восстановлено».
staff-notice-id-usage = Укажите номер уведомления: <code>/notice 12</code>. Последние уведомления — /notices.
staff-notice-outage-usage = Укажите номер отключения: <code>/outage_close 3</code>. Открытые отключения — /outages.

staff-command-import = загрузить файл для уведомлений (подпись к CSV: /import debts)
staff-command-notify = сообщение подписчикам темы (/notify tariff и текст)
staff-command-notices = последние уведомления
staff-command-notice = отчёт об уведомлении (/notice 12)
staff-command-outages = открытые отключения: «свет дали»
staff-command-outage_close = свет дали: закрыть отключение (/outage_close 3)
