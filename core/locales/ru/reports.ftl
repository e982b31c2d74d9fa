# Order 186 reports (Приложение 7): the official headers of table 4.1 and register 4.9,
# the indicators, the figures, the charts; /report in the staff chat.

report-form-in-person = Очная форма
report-form-phone = Заочная форма с использованием телефонной связи
report-form-internet = Электронная форма с использованием сети Интернет
report-form-post = Письменная форма с использованием почтовой связи
report-form-other = Прочее
report-cat-all-transmission = оказание услуг по передаче электрической энергии
report-cat-all-connection = осуществление технологического присоединения
report-cat-all-metering = коммерческий учёт электрической энергии
report-cat-all-service = качество обслуживания потребителей
report-cat-all-maintenance = техническое обслуживание электросетевых объектов
report-cat-all-other = прочее
report-cat-complaint-transmission = качество услуг по передаче электрической энергии
report-cat-complaint-power-quality = качество электрической энергии
report-cat-complaint-connection = осуществление технологического присоединения
report-cat-complaint-metering = коммерческий учёт электрической энергии
report-cat-complaint-service = качество обслуживания потребителей
report-cat-complaint-maintenance = техническое обслуживание электросетевых объектов
report-cat-complaint-other = прочее
report-cat-application-connection = по технологическому присоединению
report-cat-application-contract = заключение договора на оказание услуг по передаче электрической энергии
report-cat-application-metering = организация коммерческого учёта электрической энергии
report-cat-application-other = прочее
report-ground-obscene = нецензурные либо оскорбительные выражения, угрозы
report-ground-illegible = текст не поддаётся прочтению
report-ground-repeat = повторное обращение без новых доводов
report-ground-confidential = ответ раскрыл бы охраняемую законом тайну
report-ground-no-contact = не указаны фамилия или адрес для ответа
report-ground-forwarded = направлено по компетенции в другую организацию
report-table-title = 4.1. Обращения потребителей
report-row-all = Всего обращений потребителей, в том числе:
report-row-complaints = Обращения, содержащие жалобу, в том числе:
report-row-applications = Обращения, содержащие заявку на оказание услуг, в том числе:
report-row-settled = Жалобы, урегулированные в отчётном периоде
report-head-category = Категория обращений потребителей
report-head-before = Год N-1
report-head-now = Год N
report-head-change = Динамика изменения показателя, %
report-register-title = 4.9. Информация по обращениям потребителей
report-reg-id = Идентификационный номер обращения
report-reg-date = Дата обращения
report-reg-time = Время обращения
report-reg-form = Форма обращения
report-reg-category = Категория обращения
report-reg-complaint = Обращения, содержащие жалобу
report-reg-application = Обращения, содержащие заявку на оказание услуг
report-reg-outcome = Результат рассмотрения обращения
report-reg-on-time = Дан исчерпывающий ответ в установленные сроки
report-reg-late = Дан ответ с нарушением сроков
report-reg-unanswered = Оставлено без ответа (с указанием основания)
report-reg-taken = Мероприятия, выполненные по результатам рассмотрения обращения
report-reg-planned = Мероприятия, планируемые по результатам рассмотрения обращения
report-ground-none = без указания основания
report-indicator-availability = Доступность пункта обслуживания потребителей
report-indicator-informativeness = Информативность
report-indicator-performance = Исполнительность
report-indicator-feedback = Результативность обратной связи
report-row-contracts = Обращения, приведшие к заключению договора об осуществлении технологического присоединения или договора оказания услуг по передаче электрической энергии
report-head-number = № п/п

report-sheet-table = Таблица 4.1
report-sheet-register = Реестр 4.9
report-sheet-indicators = Индикаторы качества
report-sheet-figures = Оперативные показатели
report-table-years = Год N-1: { $before } (те же дни годом ранее); год N: { $now }
report-period = Период: { $period }
report-head-indicator = Индикатор
report-head-formula = Как считается
report-head-delta = Изменение, п. п.
report-head-figure = Показатель
report-none = не указано

report-indicator-availability = Доступность пункта обслуживания потребителей
report-indicator-informativeness = Информативность
report-indicator-performance = Исполнительность
report-indicator-feedback = Результативность обратной связи
report-formula-availability = Доля обращений, принятых к рассмотрению по существу: все обращения за период, кроме оставленных без ответа по существу (п. 15.6–15.10) и направленных по компетенции, к числу всех обращений (п. 19.8.1)
report-formula-informativeness = Доля запросов информации, на которые дан ответ в установленный срок, среди запросов информации с ответом (п. 19.8.2)
report-formula-performance = Доля обращений с ответом в установленный срок среди всех обращений с ответом, в срок или с нарушением срока (п. 19.8.3)
report-formula-feedback = Доля ответов, по которым заявитель подтвердил «вопрос решён», среди ответов, оценённых в опросе (п. 19.9)

report-sec-outcomes = Рассмотрение обращений
report-sec-kind = По видам обращений
report-sec-subject = По темам обращений
report-sec-form = По формам обслуживания
report-sec-refused = Оставлены без ответа по существу, по основаниям
report-sec-department = По подразделениям исполнителей
report-sec-executor = По исполнителям
report-sec-satisfaction = Удовлетворённость заявителей
report-sec-readings-channel = Показания счётчиков: по способам передачи
report-sec-readings-window = Показания счётчиков: по расчётным месяцам
report-sec-bookings = Запись на приём: по состоянию записи
report-sec-notices = Уведомления подписчикам: доставка

report-fig-total = Всего обращений
report-fig-on-time = Дан ответ в срок
report-fig-late = Дан ответ с нарушением срока
report-fig-unanswered = Оставлено без ответа по существу или направлено по компетенции
report-fig-open = На рассмотрении
report-fig-overdue = Просрочено сейчас (на рассмотрении, срок истёк)
report-fig-answer-mean = Срок ответа, дней: в среднем
report-fig-answer-median = Срок ответа, дней: медиана (целые дни)
report-fig-answer-max = Срок ответа, дней: наибольший
report-fig-extended = Срок продлён
report-fig-forwarded = Направлено по компетенции
report-fig-reopened = Возобновлено после ответа
report-fig-contracts = Привели к заключению договора (ТП или передача)
report-fig-rated = Ответов оценено
report-fig-mean-rating = Средняя оценка (1–5)
report-fig-resolved = Доля ответов с оценкой «вопрос решён»
report-fig-surveyed = Доля ответов, по которым предложен опрос

report-booking-active = действует или состоялась
report-booking-cancelled = отменена
report-booking-moved = перенесена
report-delivery-sent = доставлено
report-delivery-blocked = заблокировано получателем
report-delivery-failed = не доставлено (ошибка)
report-delivery-pending = ожидает отправки
report-delivery-dropped = снято с отправки

report-month-1 = янв
report-month-2 = фев
report-month-3 = мар
report-month-4 = апр
report-month-5 = май
report-month-6 = июн
report-month-7 = июл
report-month-8 = авг
report-month-9 = сен
report-month-10 = окт
report-month-11 = ноя
report-month-12 = дек

report-chart-title = Приёмная: отчёт за { $period }
report-chart-kinds = Обращения по месяцам и видам
report-chart-on-time = Ответы в срок, % от данных ответов
report-chart-subjects = Частые темы обращений за { $period }
report-chart-satisfaction = Средняя оценка ответа (1–5)
report-chart-no-data = Нет данных за период

report-caption =
    📊 <b>Отчёт за { $period }</b> (для сравнения: { $previous })
    Обращений: { $total } (было { $total_before })
    Ответ в срок: { $on_time }, с нарушением срока: { $late }
    Без ответа по существу: { $unanswered }; на рассмотрении: { $open }, из них просрочено: { $overdue }
    Исполнительность: { $performance } (было { $performance_before })
    Доступность: { $availability }; результативность обратной связи: { $feedback }
    Средняя оценка: { $rating }; средний срок ответа: { $mean_days } дн.

report-period-invalid = Не понял период. Напишите, например: 2026 (год), 2026-H1 (полугодие), 2026-Q4 (квартал), 2026-11 (месяц) или 01.01.2026 - 31.03.2026 (свои даты).
report-output-missing = Нет папки { $path } для файла отчёта.
report-written = Отчёт за { $period } записан в { $path }: обращений { $total }, строк реестра { $rows }.

report-pick = За какой период нужен отчёт?
report-pick-this-month = Этот месяц
report-pick-last-month = Прошлый месяц
report-pick-quarter = Этот квартал
report-pick-year = Этот год
report-pick-custom = Свои даты…
report-ask-period = Напишите период, например: 01.10.2026 - 15.11.2026, 2026-11, 2026-Q3 или 2026.
report-queued = Готовлю отчёт за { $period }: пришлю таблицу XLSX и сводку картинкой.
report-file-caption = Отчёт за { $period } по форме Приложения 7 (Приказ Минэнерго № 186): таблица 4.1, реестр 4.9 ({ $rows } строк), индикаторы качества, оперативные показатели.
staff-command-report = отчёт по обращениям: таблицы Приказа № 186, индикаторы, графики

staff-card-measures-taken = 🛠 Меры приняты: { $text }
staff-card-measures-planned = 🗓 Меры планируются: { $text }
staff-card-contract = 📄 Обращение привело к заключению договора (ТП или передача электроэнергии)
staff-card-measures-missing = ✍️ Для отчёта (реестр 4.9) не указаны меры по обращению: /measures что сделано, /planned что планируется, /contract — если заключён договор.
staff-measures-saved = Записано для отчёта по обращению { $number }.
staff-measures-usage = Напишите текст после команды, например: /measures Заменён прибор учёта 12.11.2026. Не больше { $max } знаков.
staff-contract-usage = Напишите /contract да или /contract нет: привело ли обращение к заключению договора.
staff-command-measures = меры, принятые по обращению (для отчёта)
staff-command-planned = меры, которые планируются (для отчёта)
staff-command-contract = обращение привело к договору: да или нет
staff-contract-yes-words = да д заключён заключен
staff-contract-no-words = нет н не

# The «Анкеты» section (regulation §19.17–19.18): notifier/report_questionnaires.py
report-quest-title = Анкеты
report-quest-col-id = № анкеты
report-quest-col-title = Анкета
report-quest-col-sent = Отправлена
report-quest-col-recipients = Получателей
report-quest-col-respondents = Ответили
report-quest-col-position = № вопроса
report-quest-col-question = Вопрос
report-quest-col-answers = Ответов на вопрос
report-quest-col-option = Вариант
report-quest-col-count = Выбрали
report-quest-col-mean = Среднее (шкала 1–5)
report-quest-col-text = Свободный ответ
