settings-invalid-title = Настройки заданы неверно:
settings-invalid-line = • { $name }{ $value }: { $problem }
settings-hint = Исправьте значения в переменных окружения или в файле .env (образец — .env.example) и запустите снова.
token-missing =
    Не задан BOT_TOKEN — токен Telegram-бота.
    Как получить: напишите @BotFather в Telegram, отправьте /newbot, следуйте подсказкам и скопируйте токен вида 123456789:AAE…
    Затем добавьте в файл .env строку BOT_TOKEN=<ваш токен> (или задайте переменную окружения) и запустите снова.
    Попробовать бота без Telegram и без токена: ./run.sh console (или reception console)

content-invalid-title = В папке справки { $root } найдены ошибки ({ $count }):
content-problem-line = • { $where }: { $problem }
content-ok = Справка в порядке: разделов { $sections }, текст согласия версии { $version }{ $sample ->
        [yes] {" "}(демонстрационные данные — замените их своими)
       *[no] {""}
    }.
content-problem-no-index = нет файла index.yaml
content-problem-yaml = index.yaml не читается как YAML: { $detail }
content-problem-consent = не указан текст согласия (consent: version и file)
content-problem-no-sections = нет ни одного раздела (sections)
content-problem-section = раздел описан неверно: ожидается набор полей id, title, page…
content-problem-id = недопустимый id «{ $detail }»: латинские строчные буквы, цифры и дефис, до 24 знаков
content-problem-id-duplicate = id «{ $detail }» уже используется другим разделом
content-problem-title = нет заголовка или он длиннее { $detail } знаков (заголовок — это надпись на кнопке)
content-problem-empty = у раздела нет ни страницы (page), ни подразделов (children)
content-problem-keywords = keywords должен быть списком слов
content-problem-outside = файл { $detail } лежит вне папки справки
content-problem-missing-file = нет файла { $detail }
content-problem-too-big = файл { $detail } больше 50 МБ — Telegram его не примет
content-problem-encoding = файл { $detail } не в кодировке UTF-8
content-problem-page-long = страница { $detail } длиннее 3500 знаков — разбейте её на подразделы
content-problem-link = ссылка «{ $detail }» не откроется в Telegram: нужен полный адрес https://…

import-file-not-found = Файл не найден: { $path }
import-file-encoding = Файл не в кодировке UTF-8 (ошибка около байта { $detail }). Сохраните его как «CSV UTF-8».
import-file-empty = Файл пуст.
import-file-header = В заголовке нет столбцов: { $detail }. Нужен заголовок: account,full_name,settlement,street,house,flat,phone,email,category,meter_serial,meter_digits,meter_zones
import-row-columns = в строке меньше столбцов, чем в заголовке ({ $detail })
import-row-nul = в строке есть нулевой символ (0x00): такую строку не сохранить, проверьте выгрузку
import-row-missing = не заполнено поле { $detail }
import-row-account = недопустимый номер лицевого счёта «{ $detail }»
import-row-category = категория «{ $detail }»: допустимо household или business
import-row-email = неверный адрес e-mail
import-row-meter-digits = разрядность счётчика «{ $detail }»: нужно целое число от 4 до 10
import-row-meter-zones = число тарифных зон «{ $detail }»: допустимо 1, 2 или 3
import-row-holder = данные владельца отличаются от строки { $detail } того же лицевого счёта
import-row-meter-duplicate = счётчик { $detail } уже указан для этого лицевого счёта
import-progress = Записано счетов: { $done } из { $total }
import-refused-line = • строка { $line }: { $reason }
import-summary =
    Строк прочитано: { $rows }. Лицевых счетов в файле: { $accounts }.
    Добавлено: { $added }, обновлено: { $updated }, отклонено строк: { $refused }.
import-summary-dry-run =
    Строк прочитано: { $rows }. Лицевых счетов в файле: { $accounts }.
    Было бы добавлено: { $added }, обновлено: { $updated }, отклонено строк: { $refused }.
import-dry-run = Пробный прогон (--dry-run): в базу ничего не записано.
import-resumed = Сначала дописан прерванный прошлый импорт: лицевых счетов { $accounts }.
import-refused-more = … и ещё { $count } отклонённых строк.

migrate-done = База данных обновлена до версии схемы { $revision }.

run-starting = Бот запускается: Telegram API { $api }, база { $database }.
# Start-up faults (bot/startup.py): one line each — what failed and what to check.
startup-token-rejected = Запуск остановлен: Telegram API { $api } не принял токен бота (ответ 401/404) — проверьте BOT_TOKEN (его выдаёт @BotFather) и TELEGRAM_API_URL.
startup-api-unreachable = Запуск остановлен: нет связи с Telegram API { $api } — проверьте сеть, DNS, прокси и TELEGRAM_API_URL.
startup-api-error = Запуск остановлен: Telegram API { $api } ответил ошибкой ({ $detail }) — проверьте TELEGRAM_API_URL и повторите позже.
startup-database-unreachable = Запуск остановлен: не удалось открыть базу данных { $database } ({ $detail }) — проверьте DATABASE_URL, что сервер базы запущен и доступен, база существует, а у пользователя есть права.

console-intro =
    Консольный режим «Приёмной»: тот же бот, та же база, без Telegram.
    Пишите сообщения как в чате. Кнопки показаны с номерами — чтобы нажать, введите номер. Выход — Ctrl+D.
console-user = Вы пишете как пользователь Telegram с id { $id }.
console-demo =
    Демо: отдельная база { $database } с примерами лицевых счетов (ваша рабочая база не затрагивается).
    Попробуйте: /start → «✅ Согласен(на)» → «👤 Лицевые счета» → «➕ Привязать лицевой счёт» → счёт { $account }, фамилия { $surname }; затем «📝 Подать обращение» или «🔢 Передать показания».
console-buttons = Кнопки:
console-keyboard = Клавиатура:
console-alert = (всплывающее уведомление) { $text }
console-file = (файл «{ $name }»)
console-edited = (изменено) { $text }
console-bye = До свидания!

import-appeals-header = В заголовке нет столбцов: { $detail }. Нужен заголовок: received_at,form,kind,subject,full_name,answer_channel,contact,address,text,answered_at,answer_text
import-appeals-row-time = не понял дату поступления «{ $detail }»: нужно ГГГГ-ММ-ДД ЧЧ:ММ или ДД.ММ.ГГГГ ЧЧ:ММ
import-appeals-row-code = неизвестный код или тема не подходит к виду обращения: { $detail }
import-appeals-summary =
    Строк прочитано: { $rows }. Зарегистрировано обращений: { $added }, отклонено строк: { $refused }.
    Номера: { $numbers }
import-appeals-summary-dry-run =
    Строк прочитано: { $rows }. Было бы зарегистрировано обращений: { $added }, отклонено строк: { $refused }.
    Номера получили бы: { $numbers }
import-appeals-dry-run = Пробный прогон (--dry-run): ничего не зарегистрировано, номера не заняты.
import-appeals-row-imported = эта строка уже загружена раньше: обращение { $detail } (то же время поступления, ФИО и текст); повтор не принят
import-appeals-row-repeated = повтор строки { $detail } этого файла (то же время поступления, ФИО и текст); не принят
import-concurrent = Одновременно шёл другой импорт с теми же строками; ничего не записано. Запустите импорт ещё раз: уже загруженные строки будут отклонены.

# `reception content check`: what the pages say against what the bot does (bot/cli_content.py).
content-week-hours = { $hours } ч{ $minutes ->
        [0] {""}
       *[other] {" "}{ $minutes } мин
    }
content-truth-title = Справка противоречит боту ({ $count }):
content-truth-placeholder = { $where }: неизвестная подстановка { $value } — известны: { $detail }
content-truth-hours = { $where }: часы работы «{ $value }» не совпадают с настройкой OFFICE_HOURS={ $hours }. Напишите часы приёма подстановкой {"{{"}office_hours{"}}"} или исправьте страницу.
content-truth-retention = { $where }: { $value ->
        [none] в «Сроках хранения» нет строки со сроком
       *[other] срок хранения «{ $value }»
    } не совпадает с настройкой { $field }={ $detail } (дней). Исправьте текст согласия (и его версию) или настройку.
content-truth-name = { $where }: «{ $value }» — такого пункта меню, кнопки, раздела или темы в боте нет.

# `reception export files`: the registry of files people sent (152-ФЗ ст. 18 ч. 5).
files-export-failed = Не удалось записать файл { $path }: { $problem }
files-export-done = Выгружено файлов: { $rows } (реестр файлов, присланных людьми) в файл { $path }.
