## A typed past date or time (domain/when.py, core/when.py): what was understood, and why a
## text is asked again.

when-part-morning = утро
when-part-day = день
when-part-evening = вечер
when-part-night = ночь
when-understood = Понял: <b>{ $when }</b> — верно?
when-yes = ✅ Да
when-fix = ✏️ Исправить
when-unreadable = Не понял, когда это было. Напишите своими словами, например: «вчера вечером», «02.12 с 18:00 до 21:00», «сегодня в 7 утра», «2 декабря», «3 часа назад».
when-future = Это время ещё не наступило. Напишите, когда это уже было: например, «сегодня в 7 утра» или «вчера с 18 до 21».
when-too-old = Это было больше { $days } дней назад — проверьте год. Напишите дату ещё раз, например: 02.12.2026 18:30.
