# Import of debts, outages, tariffs and restrictions (services/notice_import.py).
# Reused from cli.ftl: import-row-columns, import-row-missing, import-row-account,
# import-file-encoding, import-file-empty.

import-debts-header = В заголовке нет столбцов: { $detail }. Нужен заголовок: account,amount,as_of,due_date
import-outages-header = В заголовке нет столбцов: { $detail }. Нужен заголовок: settlement,street,houses,starts_at,ends_at,kind,reason
import-tariffs-header = В заголовке нет столбцов: { $detail }. Нужен заголовок: text,effective_date
import-restrictions-header = В заголовке нет столбцов: { $detail }. Нужен заголовок: account,planned_date,amount

import-row-amount = сумма «{ $detail }» не подходит: нужно число больше нуля, не больше 99 999 999,99, не больше двух знаков после запятой (например, 1234,50 или 1 234.50)
import-row-date = не понял дату «{ $detail }»: нужно ГГГГ-ММ-ДД или ДД.ММ.ГГГГ
import-row-datetime = не понял дату и время «{ $detail }»: нужно ГГГГ-ММ-ДД ЧЧ:ММ или ДД.ММ.ГГГГ ЧЧ:ММ (местное время)
import-row-period = окончание отключения должно быть позже начала: { $detail }
import-row-houses = не понял номера домов: «{ $detail }». Пишите через точку с запятой или запятую: диапазон 1-15, диапазон с чётностью 2-20 чёт или 1-15 нечёт, отдельный дом 7а, 12/1, 7к2; пустое поле — вся улица
import-row-outage-kind = вид отключения «{ $detail }»: допустимо planned (плановое) или emergency (аварийное)
import-row-too-long = значение длиннее, чем помещается в реестр; поле и наибольшее число символов: { $detail }
import-row-duplicate = этот лицевой счёт уже есть в файле, в строке { $detail }; повтор не принят
