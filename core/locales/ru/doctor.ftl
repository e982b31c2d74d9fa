# `reception doctor` (bot/doctor.py): one line per check — ✅ what was found, or ❌ what is wrong
# and how to fix it. `reception run` prints the failing staff chat, SMTP and Redis lines at start.
doctor-failed-line = { $mark } { $text } → Как исправить: { $fix }
doctor-summary-ok = Всё в порядке: бот готов к работе.
doctor-summary-failed = Проблем: { $count }. Исправьте их и запустите reception doctor снова.
doctor-run-warnings = Предупреждения при запуске (бот всё равно запускается; подробности — reception doctor):

doctor-token-ok = Telegram: токен принят, бот @{ $username } (id { $id }).
doctor-token-missing = Telegram: не задан BOT_TOKEN.
doctor-token-missing-fix = напишите @BotFather команду /newbot, скопируйте токен вида 123456789:AAE… и добавьте в .env строку BOT_TOKEN=<токен>.
doctor-token-rejected = Telegram: Bot API { $api } не принял токен (ответ 401/404).
doctor-token-rejected-fix = проверьте BOT_TOKEN (его выдаёт @BotFather, команда /token) и TELEGRAM_API_URL.
doctor-api-unreachable = Telegram: нет связи с Bot API { $api }.
doctor-api-unreachable-fix = проверьте сеть, DNS, прокси и TELEGRAM_API_URL.
doctor-api-error = Telegram: Bot API { $api } ответил ошибкой ({ $detail }).
doctor-api-error-fix = проверьте TELEGRAM_API_URL и повторите позже.

doctor-staff-unset = Чат сотрудников: STAFF_CHAT_ID не задан — обращения никто не увидит.
doctor-staff-unset-fix = создайте супергруппу с темами, добавьте в неё бота администратором и впишите её id (отрицательное число, -100…) в STAFF_CHAT_ID; reception doctor при остановленном боте показывает id групп, куда бота добавили.
doctor-staff-groups = Группы, куда недавно добавили бота: { $groups }.
doctor-staff-group = «{ $title }» — { $id }
doctor-staff-groups-none = Бот пока не видел ни одной группы: добавьте его в группу (или напишите там что-нибудь) и запустите reception doctor снова — он покажет её id.
doctor-staff-groups-busy = Чтобы reception doctor показал id групп, остановите запущенного бота и запустите проверку снова.
doctor-staff-unchecked = Чат сотрудников { $id }: не проверен — нет связи с Telegram.
doctor-staff-unchecked-fix = сначала исправьте строку о Telegram выше.
doctor-staff-unreachable = Чат сотрудников { $id }: бот не может его открыть ({ $detail }).
doctor-staff-unreachable-fix = проверьте STAFF_CHAT_ID (у супергруппы он начинается с -100) и что бот добавлен в эту группу и не удалён из неё.
doctor-staff-not-supergroup = Чат сотрудников «{ $title }»: это не супергруппа (тип { $type }).
doctor-staff-not-supergroup-fix = в настройках группы включите «Темы» — группа станет супергруппой, её id сменится на -100…; впишите новый id в STAFF_CHAT_ID.
doctor-staff-not-forum = Чат сотрудников «{ $title }»: темы не включены — обращения будут карточками в общей ленте, а не отдельными темами.
doctor-staff-not-forum-fix = настройки группы → «Темы» → включить; бот подхватит это при следующем запуске.
doctor-staff-forum-ok = Чат сотрудников «{ $title }» ({ $id }): супергруппа с темами.
doctor-staff-member-unknown = Чат сотрудников «{ $title }»: не удалось узнать права бота ({ $detail }).
doctor-staff-member-unknown-fix = проверьте, что бот состоит в группе, и запустите проверку снова.
doctor-staff-not-admin = Чат сотрудников «{ $title }»: бот не администратор (статус { $status }).
doctor-staff-not-admin-fix = настройки группы → «Администраторы» → «Добавить администратора» → выберите бота и оставьте право «Управление темами».
doctor-staff-no-topics-right = Чат сотрудников «{ $title }»: у бота нет права «Управление темами» — он не сможет открыть тему для обращения.
doctor-staff-no-topics-right-fix = настройки группы → «Администраторы» → бот → включите «Управление темами».
doctor-staff-admin-ok = Чат сотрудников «{ $title }»: бот — администратор с нужными правами.

doctor-db-ok = База данных { $database }: открывается, схема актуальна (ревизия { $revision }).
doctor-db-missing = База данных { $database }: файла ещё нет.
doctor-db-missing-fix = выполните reception migrate (или просто запустите бота: reception run создаст и обновит базу сам).
doctor-db-unreachable = База данных { $database }: не открывается ({ $detail }).
doctor-db-unreachable-fix = проверьте DATABASE_URL, что сервер базы запущен и доступен, база существует, а у пользователя есть права.
doctor-db-empty = База данных { $database }: пустая, миграции не применены.
doctor-db-empty-fix = выполните reception migrate (reception run тоже применяет миграции при запуске).
doctor-db-foreign = База данных { $database }: в ней есть таблицы, но нет отметки миграций бота.
doctor-db-foreign-fix = укажите в DATABASE_URL отдельную пустую базу для бота.
doctor-db-behind = База данных { $database }: схема отстаёт (ревизия { $revision }, нужна { $head }).
doctor-db-behind-fix = выполните reception migrate (reception run тоже применяет миграции при запуске).
doctor-db-newer = База данных { $database }: схема новее этой версии бота (ревизия { $revision }, код знает до { $head }).
doctor-db-newer-fix = обновите бота до версии, с которой работала эта база.

doctor-content-ok = Справочные материалы { $root }: разделов { $sections }, ошибок нет{ $sample ->
        [yes] {" "}(это демонстрационные материалы — замените их своими).
       *[no] .
    }
doctor-content-invalid = Справочные материалы { $root }: ошибок оформления — { $count }; бот с такой папкой не запустится.
doctor-content-contradictions = Справочные материалы { $root }: расхождений с настройками бота — { $count }.
doctor-content-fix = выполните reception content check — он покажет каждую проблему отдельной строкой.

doctor-smtp-ok = Почта (SMTP) { $server }: сервер отвечает.
doctor-smtp-failed = Почта (SMTP) { $server }: не удалось подключиться ({ $detail }).
doctor-smtp-failed-fix = проверьте SMTP_HOST, SMTP_PORT, SMTP_SSL и SMTP_STARTTLS (обычно 587 со STARTTLS или 465 с SMTP_SSL=true) и что сервер доступен с этой машины.
doctor-smtp-auth = Почта (SMTP) { $server }: сервер не принял логин или пароль.
doctor-smtp-auth-fix = проверьте SMTP_USER и SMTP_PASSWORD.

doctor-redis-ok = Redis { $server }: отвечает на PING.
doctor-redis-failed = Redis { $server }: не отвечает ({ $detail }).
doctor-redis-failed-fix = проверьте REDIS_URL и что Redis запущен и доступен; без нескольких экземпляров бота REDIS_URL можно не задавать.
