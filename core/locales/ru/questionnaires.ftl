# Periodic questionnaires (regulation §19.17–19.18): the questions people answer in the chat
# (handlers/questionnaire.py, notifier/questionnaire_texts.py) and the composer and results
# in the staff chat (handlers/staff_questionnaires.py).

notice-kind-questionnaire = Опрос подписчиков

quest-title = 📝 <b>{ $title }</b>
    Помогите нам стать лучше: ответьте, пожалуйста, на несколько коротких вопросов.
quest-question = <b>Вопрос { $number } из { $count }.</b> { $text }
quest-hint-scale = Оцените от 1 (плохо) до 5 (отлично).
quest-hint-yes-no = Выберите «Да» или «Нет».
quest-hint-choice = Выберите один вариант.
quest-hint-free-text = Напишите ответ своими словами одним сообщением.
quest-yes = Да
quest-no = Нет
quest-write = ✍️ Написать ответ
quest-write-now = Напишите ответ одним сообщением.
quest-recorded = Ответ учтён
quest-already = Ваш ответ на этот вопрос уже учтён.
quest-text-expected = Пришлите ответ текстом, пожалуйста.
quest-thanks = Спасибо за ответы на опрос «{ $title }»! Они помогут нам улучшить работу.

quest-error = Не получилось. Попробуйте ещё раз.
quest-error-not-found = Такого опроса нет.
quest-error-status = С опросом в этом состоянии так нельзя (он уже отправлен, закрыт или отменён).
quest-error-empty = Пустой текст: напишите, пожалуйста, что-нибудь.
quest-error-too-many = В опросе не больше { $max } вопросов.
quest-error-no-questions = В опросе нет ни одного вопроса: добавьте хотя бы один.
quest-error-options = Нужно от { $min } до { $max } разных вариантов, каждый с новой строки и не длиннее { $length } символов. Пришлите варианты ещё раз.
quest-error-answer = Такого ответа у этого вопроса нет.
quest-error-not-recipient = Этот опрос вам не отправлялся.
quest-error-closed = Опрос уже завершён, ответы больше не принимаются. Спасибо!
quest-error-no-topic = Сначала выберите тему рассылки.

quest-kind-scale = шкала 1–5
quest-kind-yes-no = да/нет
quest-kind-choice = выбор
quest-kind-free-text = свободный ответ

quest-status-draft = черновик
quest-status-sent = отправлен, ответы принимаются
quest-status-closed = закрыт
quest-status-cancelled = отменён

quest-staff-usage =
    <b>Опросы потребителей</b> (Положение, п. 19.17–19.18)
    /questionnaire — составить опрос (до 5 вопросов) и отправить подписчикам темы
    <code>/questionnaire results</code> — последние опросы; <code>/questionnaire results 3</code> — результаты опроса № 3
    <code>/questionnaire close 3</code> — закрыть опрос № 3 (ответы больше не принимаются)
quest-staff-ask-title = Новый опрос. Напишите его заголовок (не длиннее 200 символов). Отменить — /cancel.
quest-staff-draft = <b>Опрос № { $id }: «{ $title }»</b> (черновик)
quest-staff-question-line = { $number }. [{ $kind }] { $text }
quest-staff-option-line = { "   " }• { $option }
quest-staff-no-questions-yet = Вопросов пока нет. Добавьте вопрос кнопкой ниже.
quest-staff-add-scale = ➕ Шкала 1–5
quest-staff-add-yes-no = ➕ Да/нет
quest-staff-add-choice = ➕ Выбор
quest-staff-add-free-text = ➕ Свободный ответ
quest-staff-done = ✅ Готово
quest-staff-cancel = Отмена
quest-staff-send = 📤 Отправить
quest-staff-ask-scale = Напишите вопрос, на который отвечают оценкой от 1 до 5.
quest-staff-ask-yes-no = Напишите вопрос, на который отвечают «да» или «нет».
quest-staff-ask-choice = Напишите вопрос с выбором варианта (варианты — следующим сообщением).
quest-staff-ask-free-text = Напишите вопрос, на который отвечают своими словами.
quest-staff-ask-options = Пришлите варианты ответа одним сообщением, каждый с новой строки: от { $min } до { $max }.
quest-staff-preview-head = <b>Предпросмотр.</b> Так опрос увидят подписчики (вопросы приходят по одному, следующий — после ответа):
quest-staff-choose-topic = Выберите тему: опрос получат её подписчики (с учётом «тихих часов» и ограничений Telegram).
quest-staff-ready = Опрос № { $id } — подписчикам темы «{ $topic }»: получат { $count } чел. Отправить?
quest-staff-sent = ✅ Опрос № { $id } отправлен (рассылка № { $notice }).
quest-staff-cancelled = Опрос № { $id } отменён.
quest-staff-closed = Опрос № { $id } закрыт: ответы больше не принимаются.
staff-command-questionnaire = опросы потребителей: составить, результаты

quest-results-head = <b>Опрос № { $id }: «{ $title }»</b> — { $status }
    Отправлен: { $recipients } чел., ответили хотя бы на один вопрос: { $respondents } чел.
quest-results-question = <b>{ $number }. { $text }</b> — ответов: { $answers }
quest-results-option = { "   " }{ $label }: { $count } ({ $share }%)
quest-results-mean = { "   " }Средняя оценка: { $mean }
quest-results-text = { "   " }— { $text }
quest-results-more = { "   " }…и ещё { $count } (все ответы — в командной строке: <code>reception questionnaire results --id N</code>)
quest-list-head = <b>Последние опросы</b> (результаты: <code>/questionnaire results N</code>)
quest-list-line = № { $id } «{ $title }» — { $status }, вопросов: { $questions }
quest-list-empty = Опросов пока нет. Составить: /questionnaire

mydata-questionnaires = <b>Ответы на опросы</b> ({ $count }):
mydata-questionnaire-answer = • { $date } — «{ $title }»: { $question } — { $answer }
