# The signature under a final answer (regulation §15.5): the executor and the head who signs.

answer-signature = Исполнитель: { $name }{ $position ->
        [none] {""}
       *[other] , { $position }
    }
    Тел.: { $phone }{ $email ->
        [none] {""}
       *[other] , e-mail: { $email }
    }
answer-signer = Подписал(а): { $position } { $name }
staff-error-signature = Ответ нельзя подписать (п. 15.5 Положения): в вашем профиле { $field ->
        [full_name] не указаны фамилия, имя и отчество
        [position] не указана должность
        [phone] не указан телефон
       *[email] не указан e-mail
    }. Заполните профиль: <code>/profile ФИО; должность; телефон; e-mail</code>
staff-error-signer = Ответ нельзя подписать (п. 15.5 Положения): { $reason ->
        [department] вы не приписаны к отделу, а ответ подписывает руководитель отдела. Администратор назначает отдел командой /setdept.
        [head] у отдела «{ $department }» не назначен руководитель, подписывающий ответы. Администратор назначает его командой /depthead.
        [role] подписывать ответы может только сотрудник с ролью руководителя (/setrole id head){ $department ->
            [none] {""}
           *[other] ; проверьте, кто назначен в отделе «{ $department }» (/depthead)
        }.
       *[profile] в профиле руководителя отдела «{ $department }» не указаны ФИО или должность: он заполняет их командой /profile.
    }
staff-depthead-usage = Формат: <code>/depthead 2 123456789</code> — номер отдела из /departments и id руководителя, который подписывает ответы отдела (п. 15.5 Положения).
staff-depthead-set = Ответы отдела «{ $department }» подписывает руководитель с id { $user_id }.

# The profile dialog in the staff chat (handlers/staff/profile.py): what an answer is signed with.
staff-profile-intro = { $number }: ответ подписывается вашими данными (п. 15.5 Положения), а в профиле их пока нет. Заполним сейчас — четыре коротких шага, потом вернёмся к ответу. Выйти — /cancel.
staff-profile-ask-full-name = Фамилия, имя и отчество — как они будут в подписи под ответом. Нажмите кнопку, если верно, или напишите полностью.
staff-profile-ask-full-name-typed = Фамилия, имя и отчество — как они будут в подписи под ответом. Напишите их следующим сообщением.
staff-profile-ask-position = Ваша должность: выберите или напишите свою.
staff-profile-ask-phone = Рабочий телефон для подписи, например <code>+7 831 000-00-00</code>.
staff-profile-ask-email = Рабочий e-mail для подписи, например <code>ivanova@example.ru</code>.
staff-profile-invalid-full-name = Напишите фамилию, имя и отчество текстом.
staff-profile-invalid-position = Напишите должность текстом или выберите её кнопкой.
staff-profile-invalid-phone = Не похоже на российский номер. Напишите его так: <code>+7 831 000-00-00</code> или <code>8 920 000-00-01</code>.
staff-profile-invalid-email = Не похоже на адрес e-mail. Напишите его так: <code>ivanova@example.ru</code>.
staff-profile-not-yours = Эта кнопка — для того, кто заполняет профиль сейчас.
staff-position-specialist = специалист
staff-position-lead-specialist = ведущий специалист
staff-position-engineer = инженер
staff-position-head = начальник отдела
