# `reception webhook` (bot/webhook.py, docs/scaling.md).
webhook-starting = Вебхук запускается: процессов { $count }, адрес { $address }, путь { $path }, база { $database }.
webhook-workers-invalid = Число процессов (--workers) должно быть не меньше 1.
webhook-secret-missing = Не задан WEBHOOK_SECRET — секрет, который Telegram присылает в заголовке каждого запроса вебхука (1–256 символов: латинские буквы, цифры, _ и -). Без него вебхук не запускается и не регистрируется.
webhook-workers-sqlite = Запуск остановлен: несколько процессов (--workers { $count }) с SQLite невозможны — SQLite рассчитан на один процесс. Укажите DATABASE_URL на PostgreSQL и REDIS_URL или запустите с --workers 1.
webhook-workers-no-redis = Запуск остановлен: для нескольких процессов (--workers { $count }) нужен REDIS_URL — в Redis хранится место каждого человека в диалоге, общее для всех процессов. Задайте REDIS_URL или запустите с --workers 1.
webhook-url-missing = Не задан WEBHOOK_URL — публичный https-адрес, на который Telegram будет присылать обновления.
webhook-set-done = Вебхук зарегистрирован: { $address }.
webhook-delete-done = Вебхук удалён: бот снова может получать обновления опросом (reception run).
