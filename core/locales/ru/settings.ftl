# Notice subscriptions (SPEC §8): /settings.

settings-title =
    <b>Уведомления</b>
    Нажмите на тему, чтобы включить или выключить её. Сразу после согласия включены все: каждая касается вашего электроснабжения или лицевого счёта.
settings-title-stopped =
    <b>Уведомления остановлены</b>
    Мы не присылаем никаких уведомлений. Нажмите на тему или «Возобновить», чтобы снова их получать.
settings-topic = { $mark ->
        [on] ✅
       *[off] ⬜
    } { $name }
settings-topic-debt = Задолженность по лицевому счёту
settings-topic-payment_due = Срок оплаты
settings-topic-tariff = Изменение тарифов
settings-topic-planned_outage = Плановые отключения по моему адресу
settings-topic-emergency_outage = Аварийные отключения
settings-topic-restriction = Ограничение режима потребления
settings-topic-contract = Изменения договора
settings-topic-readings_reminder = Напоминание передать показания
settings-stop = ⏸ Остановить все уведомления
settings-resume = ▶️ Возобновить уведомления
settings-saved = Сохранено
command-settings = Уведомления: что присылать
