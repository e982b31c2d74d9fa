## reception migrate-data, reception backup (bot/cli_ops.py)

migrate-data-bad-url = Эта база данных не поддерживается: { $kind }. Укажите sqlite:///… или postgresql+asyncpg://…
migrate-data-same = Источник и приёмник — одна и та же база данных.
migrate-data-table = { $name }: { $count }
migrate-data-not-empty = В базе-приёмнике уже есть данные (таблицы: { $items }). Ничего не перенесено. Чтобы очистить её и перенести заново, добавьте --force.
migrate-data-mismatch = Перенос отменён: в таблице { $name } { $source } строк в источнике и { $total } в приёмнике.
migrate-data-done = Перенесено: таблиц { $count }, строк { $rows }.
backup-no-database = Файл базы данных не найден: { $path }
backup-done = Резервная копия записана: { $path }
backup-pg-command = Команда резервного копирования (пароль передаётся в PGPASSWORD): { $line }
backup-pg-missing = pg_dump не установлен: выполните команду выше на машине, где он есть.
backup-pg-failed = pg_dump завершился с ошибкой (код { $value }).
