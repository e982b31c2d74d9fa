retention-dry-run-title = Срок хранения истёк (пробный запуск, ничего не удалено):
retention-done-title = Удалено или обезличено по истечении срока хранения:
retention-line = { $kind ->
        [appeals] обращения (обезличены)
        [readings] показания
        [bookings] записи на приём
        [notices] уведомления и черновики рассылок
        [outbox] тексты отправленных сообщений
        [questionnaires] ответы на анкеты (обезличены)
       *[drafts] незавершённые диалоги
    }: { $count }
retention-files-line = { $kind ->
        [appeals] файлы обращений
        [readings] фото к показаниям
       *[drafts] файлы незавершённых диалогов
    }: { $count } (байт: { $size })
retention-total = Всего: { $count }
pdata-rotated = Персональные данные перешифрованы первым ключом PD_ENCRYPTION_KEY: { $count }.
pdata-unreadable = Не удалось открыть ни одним из ключей PD_ENCRYPTION_KEY (оставлены как есть): { $count }. Верните прежний ключ в список и запустите команду снова.
