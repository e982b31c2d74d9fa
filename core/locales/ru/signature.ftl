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
